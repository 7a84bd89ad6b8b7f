"""Secrets never reach the stored tracker (redaction + the real SQL tracker store)."""

import json

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_redaction import REDACTED, mask_text
from bot.rasa_tracker_store import RedactingTrackerStore
from tests.searchable import searchable


@pytest.fixture(autouse=True)
def _store_url_from_the_test(monkeypatch):
    """TRACKER_DB_URL overrides the store's url; a .env loaded by other tests may have set it."""
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)


DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [inform, cancel_service]
entities: [account_number, email, date]
slots:
  account_identifier:
    type: any
    mappings: [{type: custom}]
  verification_factor:
    type: any
    mappings: [{type: custom}]
  end_date:
    type: any
    mappings: [{type: custom}]
"""
)


def test_mask_text_keeps_dates_and_short_numbers_but_hides_identifiers():
    assert mask_text("cancel acct 40012345 please") == f"cancel acct {REDACTED} please"
    assert mask_text("mail me at Jo.Doe+x@example.co.uk") == f"mail me at {REDACTED}"
    assert mask_text("call (555) 123-4567") == f"call {REDACTED}"
    assert mask_text("end on 2026-12-31") == "end on 2026-12-31"
    assert mask_text("refund 45.50 for 3 months") == "refund 45.50 for 3 months"
    assert mask_text("status of 7QMK-4XPT-RH9C") == "status of 7QMK-4XPT-RH9C"


def _conversation():
    return [
        ActionExecuted("action_listen"),
        UserUttered(
            "cancel my account 40012345",
            intent={"name": "cancel_service", "confidence": 1.0},
            entities=[{"entity": "account_number", "value": "40012345", "start": 18, "end": 26}],
        ),
        ActiveLoop("identify_form"),
        SlotSet("requested_slot", "verification_factor"),
        ActionExecuted("action_listen"),
        UserUttered("1234", intent={"name": "inform", "confidence": 0.9}),
        SlotSet("verification_factor", "1234"),
        SlotSet("verification_factor", None),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ActionExecuted("action_listen"),
        UserUttered("end it on 2026-12-31", intent={"name": "inform", "confidence": 0.9}),
    ]


async def test_store_writes_no_secret(tmp_path):
    url = f"sqlite:///{tmp_path}/tracker.db"
    store = RedactingTrackerStore(domain=DOMAIN, url=url)
    tracker = DialogueStateTracker.from_events("c1", _conversation(), slots=DOMAIN.slots)
    await store.save(tracker)

    with sa.create_engine(url).connect() as conn:
        stored = [row[0] for row in conn.execute(sa.text("select data from events order by id"))]
    dump = searchable(stored)
    assert "40012345" not in dump and "1234" not in dump
    texts = [json.loads(d).get("text") for d in stored if json.loads(d)["event"] == "user"]
    assert texts == [f"cancel my account {REDACTED}", REDACTED, "end it on 2026-12-31"]

    # The conversation goes on from the stored copy: same number of events, slots intact.
    again = await store.retrieve("c1")
    assert len(again.events) == len(tracker.events)
    assert again.get_slot("verification_factor") is None
    assert again.latest_message.text == "end it on 2026-12-31"

    # A later save appends only the new events, still redacted.
    again.update(ActionExecuted("action_listen"))
    again.update(UserUttered("my email is a@b.io", intent={"name": "inform", "confidence": 1}))
    await store.save(again)
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(sa.text("select data from events")).fetchall()
    assert len(rows) == len(tracker.events) + 2
    assert "a@b.io" not in rows[-1][0]


async def test_saving_turn_by_turn_stores_what_redacting_the_whole_conversation_stores(tmp_path):
    """The store redacts only new events; the answer to a sensitive request saved in a later
    turn than the request is still redacted whole, whatever the split points."""
    from bot.rasa_redaction import redact_event_list

    conversation = _conversation() + [
        ActiveLoop("identify_form"),
        SlotSet("requested_slot", "account_identifier"),
        ActionExecuted("action_listen"),
        UserUttered("it is 40012345", intent={"name": "inform", "confidence": 0.9}),
        SlotSet("account_identifier", "40012345"),
        SlotSet("requested_slot", "end_date"),
        ActionExecuted("action_listen"),
        UserUttered("call me on 555 123 4567 or pin 9876", intent={"name": "inform", "confidence": 0.9}),
    ]
    expected = redact_event_list(e.as_dict() for e in conversation)
    for split in range(1, len(conversation) + 1, 2):
        url = f"sqlite:///{tmp_path}/t{split}.db"
        store = RedactingTrackerStore(domain=DOMAIN, url=url)
        tracker = DialogueStateTracker.from_events("c1", conversation[:split], slots=DOMAIN.slots)
        await store.save(tracker)
        again = await store.retrieve("c1")
        for event in conversation[split:]:
            again.update(event)
            await store.save(again)  # one save per event: the worst case for the state
        with sa.create_engine(url).connect() as conn:
            stored = [json.loads(r[0]) for r in conn.execute(sa.text("select data from events order by id"))]
        assert [(e["event"], e.get("text"), e.get("value")) for e in stored] == [
            (e["event"], e.get("text"), e.get("value")) for e in expected
        ], split
        dump = searchable(stored)
        assert "40012345" not in dump and "4567" not in dump, dump


async def test_saving_an_unchanged_tracker_writes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/tracker.db"
    store = RedactingTrackerStore(domain=DOMAIN, url=url)
    tracker = DialogueStateTracker.from_events("c1", _conversation(), slots=DOMAIN.slots)
    await store.save(tracker)
    await store.save(await store.retrieve("c1"))
    with sa.create_engine(url).connect() as conn:
        count = conn.execute(sa.text("select count(*) from events")).scalar()
    assert count == len(tracker.events)


def test_pin_shaped_numbers_are_masked_but_ids_amounts_and_dates_are_kept():
    assert mask_text("my pin is 2222 and my zip is 94110") == f"my pin is {REDACTED} and my zip is {REDACTED}"
    assert mask_text("pin: 0042.") == f"pin: {REDACTED}."
    for kept in (
        "cancel SVC-6001 please",
        "end in December 2026",
        "end on Dec 31, 2026",
        "refund $1000",
        "refund 1000.50",
        "status of 7QMK-4XPT-RH9C",
        "end on 2026-12-31",
        "3 months, 45.50",
    ):
        assert mask_text(kept) == kept, kept


async def test_free_text_slots_and_handles_are_not_stored_in_clear(tmp_path, monkeypatch):
    """Issue 14: the reason slot held "my pin is 2222 and my zip is 94110"; verification handles
    were in clear in tracker events."""
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "store-test-key")
    domain = Domain.from_yaml(
        'version: "3.1"\nintents: [inform]\nslots:\n'
        "  reason:\n    type: any\n    mappings: [{type: custom}]\n"
        "  verification_handle:\n    type: any\n    mappings: [{type: custom}]\n"
    )
    url = f"sqlite:///{tmp_path}/tracker.db"
    store = RedactingTrackerStore(domain=domain, url=url)
    handle = "hNdL3-secret-handle-value-0123456789abcdefghijk"
    events = [
        ActionExecuted("action_listen"),
        UserUttered("my pin is 2222 and my zip is 94110", intent={"name": "inform", "confidence": 1.0}),
        SlotSet("reason", "my pin is 2222 and my zip is 94110"),
        SlotSet("verification_handle", handle),
    ]
    await store.save(DialogueStateTracker.from_events("c2", events, slots=domain.slots))
    with sa.create_engine(url).connect() as conn:
        dump = " ".join(row[0] for row in conn.execute(sa.text("select data from events")))
    assert "2222" not in dump and "94110" not in dump and handle not in dump
    again = await store.retrieve("c2")
    assert again.get_slot("verification_handle") == handle  # the next turn still has it
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "another-key")  # a copy read elsewhere
    other = RedactingTrackerStore(domain=domain, url=url)
    other._cache.size = 0
    assert (await other.retrieve("c2")).get_slot("verification_handle") is None


async def test_the_action_servers_markers_survive_the_store_but_raw_values_do_not(tmp_path):
    """A form started after "I've noted your details" must read "[provided]" back from the
    store, not "[redacted]" (which it would check as an identifier and refuse)."""
    store = RedactingTrackerStore(domain=DOMAIN, url=f"sqlite:///{tmp_path}/tracker.db")
    events = [
        ActionExecuted("action_listen"),
        UserUttered("my email is jo@x.example", intent={"name": "inform", "confidence": 1}),
        SlotSet("account_identifier", "[provided]"),
        SlotSet("verification_factor", "[verified]"),
        SlotSet("end_date", "2026-12-31"),
    ]
    await store.save(DialogueStateTracker.from_events("c3", events, slots=DOMAIN.slots))
    again = await store.retrieve("c3")
    assert again.get_slot("account_identifier") == "[provided]"
    assert again.get_slot("verification_factor") == "[verified]"

    raw = [SlotSet("account_identifier", "jo@x.example"), SlotSet("verification_factor", "02139")]
    await store.save(DialogueStateTracker.from_events("c4", events + raw, slots=DOMAIN.slots))
    stored = await store.retrieve("c4")
    assert stored.get_slot("account_identifier") == REDACTED
    assert stored.get_slot("verification_factor") == REDACTED
