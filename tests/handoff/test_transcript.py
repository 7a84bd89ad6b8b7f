"""The transcript a person reads and the words the console shows instead of codes (no Rasa, no
database: backend/handoff/transcript.py and backend/handoff/words.py on tracker events as Rasa stores them)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from backend.handoff import words
from backend.handoff.transcript import transcript

ZONE = "America/New_York"
T0 = datetime(2026, 12, 1, 19, 5, tzinfo=timezone.utc).timestamp()  # 14:05 in New York


def _bot(text, at, buttons=None, **extra):
    return {"event": "bot", "text": text, "timestamp": at, "data": {"buttons": buttons or []}, **extra}


def _user(text, at):
    return {"event": "user", "text": text, "timestamp": at}


TRACKER = {
    "events": [
        _user("/greet", T0),
        _bot(
            "Hi! What can I do for you?",
            T0 + 1,
            [
                {"title": "Cancel a service", "payload": "/cancel_service"},
                {"title": "Talk to a person", "payload": "/request_human"},
            ],
        ),
        _user("/cancel_service", T0 + 10),
        {"event": "slot", "name": "verified", "value": True, "timestamp": T0 + 20},
        _bot(
            "When should it end?",
            T0 + 30,
            [
                {"title": "On a date I choose", "payload": '/inform{"end_when":"date"}'},
                {"title": "Right away", "payload": '/inform{"end_when":"now"}'},
            ],
        ),
        _user('/inform{"end_when":"date"}', T0 + 40),
        _user("/deny", T0 + 50),  # no button offered just before: the intent in words
        _user("hmm can i talk to someone pls", T0 + 60),
        {"event": "pause", "timestamp": T0 + 61},
        {
            "event": "bot",
            "timestamp": T0 + 70,
            "metadata": {"agent": "Alex"},
            "data": {"custom": {"data": {"from": "agent", "name": "Alex", "text": "Hi, Alex here."}}},
        },
        {"event": "resume", "timestamp": T0 + 80},
    ]
}


def test_button_presses_read_as_the_title_of_the_button_offered_just_before():
    lines = transcript(TRACKER, ZONE, "Erin Park")
    said = [(line["who"], line["name"], line["text"]) for line in lines if line["who"] == "customer"]
    assert said == [
        ("customer", "Erin Park", "(opened the chat)"),  # the widget's greeting on open, no button
        ("customer", "Erin Park", "Cancel a service"),
        ("customer", "Erin Park", "On a date I choose"),
        ("customer", "Erin Park", "No"),
        ("customer", "Erin Park", "hmm can i talk to someone pls"),
    ]
    assert not any("[pressed" in line["text"] or line["text"].startswith("/") for line in lines)
    assert [line.get("pressed", False) for line in lines if line["who"] == "customer"] == [
        False,
        True,
        True,
        False,
        False,
    ]


def test_times_names_events_and_agent_lines():
    lines = transcript(TRACKER, ZONE, "Erin Park")
    assert lines[0]["time"] == "14:05"
    assert ("event", "verified the customer") in [(line["who"], line["text"]) for line in lines]
    agent = next(line for line in lines if line["who"] == "agent")
    assert (agent["name"], agent["text"]) == ("Alex", "Hi, Alex here.")
    offered = next(line for line in lines if line["text"] == "Hi! What can I do for you?")
    assert offered["options"] == ["Cancel a service", "Talk to a person"] and offered["name"] == "Assistant"
    assert [line["text"] for line in lines if line["who"] == "system"] == [
        "The assistant is paused: a person handles this chat.",
        "The assistant is back.",
    ]


def test_the_backends_events_are_merged_in_by_time():
    filed = datetime.fromtimestamp(T0 + 45, timezone.utc).replace(
        tzinfo=None
    )  # naive UTC, as the database has
    lines = transcript(TRACKER, ZONE, None, [(filed, "cancellation filed: ABCD-1234-EFGH")])
    texts = [line["text"] for line in lines]
    at = texts.index("cancellation filed: ABCD-1234-EFGH")
    assert texts[at - 1] == "On a date I choose" and texts[at + 1] == "No"
    assert lines[at]["time"] == "14:05" and lines[at]["who"] == "event"
    assert lines[0]["name"] == "Customer"  # not verified: no name


def test_money_dates_and_codes_in_words():
    assert words.dollars("1250") == "$1,250.00" and words.dollars("-5.5") == "-$5.50"
    assert words.day("2026-12-19", today=date(2026, 12, 1)) == "Saturday, December 19"
    assert words.day(date(2027, 1, 4), today=date(2026, 12, 1)) == "Monday, January 4, 2027"
    assert words.words("cancellation_pending", words.SERVICE_STATUSES) == "Cancellation pending"
    assert words.words("customer_request", words.HANDOFF_REASONS) == "Asked for a person"
    assert words.words("socketio", words.CHANNELS) == "Website chat"
    assert words.words("some_new_code", words.CHANNELS) == "Some new code"
    assert words.clock(T0, ZONE) == "14:05"
