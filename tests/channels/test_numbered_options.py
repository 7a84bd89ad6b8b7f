"""bot.channels.numbered_options: buttons as numbered text, number replies mapped back."""

from __future__ import annotations

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.numbered_options import (
    format_options,
    map_reply,
    parse_number,
    payload_for_reply,
    pending_buttons,
)

BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_format_options_never_shows_payloads():
    assert format_options("Continue?", BUTTONS) == "Continue?\n1. Yes\n2. No"
    assert format_options("", BUTTONS) == "1. Yes\n2. No"
    assert format_options("Just text", []) == "Just text"


@pytest.mark.parametrize(
    "text, number",
    [
        ("1", 1),
        (" 2 ", 2),
        ("2.", 2),
        ("2)", 2),
        ("#3", 3),
        ("12", 12),
        ("", None),
        ("two", None),
        ("1 please", None),
        ("12345", None),
        ("1.5", None),
        (None, None),
    ],
)
def test_parse_number(text, number):
    assert parse_number(text) == number


def test_map_reply():
    assert map_reply("2", BUTTONS) == "/deny"
    assert map_reply("3", BUTTONS) is None
    assert map_reply("0", BUTTONS) is None
    assert map_reply("1", []) is None
    assert map_reply("1", [{"title": "Only a title"}]) == "Only a title"


def test_pending_buttons_are_those_of_the_current_bot_turn():
    events = [
        UserUttered("hi"),
        BotUttered("Continue?", data={"buttons": BUTTONS}),
        BotUttered("(you can also type)"),
    ]
    assert pending_buttons(events) == BUTTONS
    # once the customer answered, a later number is not a choice any more
    assert pending_buttons(events + [UserUttered("yes"), BotUttered("OK")]) == []
    # dict form (tracker.current_state()) works too
    assert pending_buttons([e.as_dict() for e in events]) == BUTTONS
    assert pending_buttons([{"event": "bot", "data": {"quick_replies": BUTTONS}}]) == BUTTONS


async def test_payload_for_reply_reads_the_tracker_store():
    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker.from_events(
        "+15550000000", [UserUttered("hi"), BotUttered("Continue?", data={"buttons": BUTTONS})]
    )
    await store.save(tracker)
    assert await payload_for_reply(store, "+15550000000", "1") == "/affirm"
    assert await payload_for_reply(store, "+15550000000", "hello") is None
    assert await payload_for_reply(store, "unknown", "1") is None
    assert await payload_for_reply(None, "+15550000000", "1") is None

    class Broken:
        async def retrieve(self, sender):
            raise ConnectionError("database down")

    assert await payload_for_reply(Broken(), "+15550000000", "1") is None
