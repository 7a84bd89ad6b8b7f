"""Answers read against the question (actions/listening.py, actions/cancel_flow.read_end_when):
pure functions, no Rasa and no backend."""

from __future__ import annotations

from datetime import date

import pytest

from actions import cancel_flow
from actions.details import wants_cancel
from actions.listening import is_next_request, left_out, match_services

DUO = [{"id": "SVC-1", "name": "Home Internet"}, {"id": "SVC-2", "name": "Cloud Backup"}]
MULTI = [
    {"id": "SVC-1", "name": "Office Internet"},
    {"id": "SVC-2", "name": "Office Phones"},
    {"id": "SVC-3", "name": "Website Hosting"},
]
LONG_STORY = (
    "Hello, this is the office manager. We are moving to a new building next month and the "
    "landlord there provides internet and phones for all tenants, so we won't need our Office "
    "Internet or Office Phones anymore, but we want to keep the website hosting for now. Could "
    "you start with cancelling the Office Internet? Thanks for your help."
)


@pytest.mark.parametrize(
    "services, text, expected",
    [
        (DUO, "not the internet, the other one", ["Cloud Backup"]),
        (DUO, "I'm not using the internet anymore", ["Home Internet"]),  # not a leave-out
        (MULTI, "the internet and the phones, keep the website", ["Office Internet", "Office Phones"]),
        (MULTI, "cancel office phones and hosting", ["Office Phones", "Website Hosting"]),
        (MULTI, "the internet thing", ["Office Internet"]),
        (MULTI, "the second one", ["Office Phones"]),
        (MULTI, LONG_STORY, ["Office Internet"]),  # a story names more than it asks for
        (DUO, "no, the other one", []),  # read against the confirmation, not here
    ],
)
def test_services_named(services, text, expected):
    assert [s["name"] for s in match_services(services, text)] == expected


def test_left_out():
    assert [s["name"] for s in left_out(MULTI, "all of them except the website")] == ["Website Hosting"]
    assert left_out(DUO, "we are not using it") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ok now cancel the backup too", True),
        ("and cancel the phones as well", True),
        ("cancel now", False),
        ("cancel it now please", False),
        ("ok now just cancel it", False),
    ],
)
def test_next_request_is_not_the_fast_path(text, expected):
    assert is_next_request(text) is expected


TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    "text, asked, expected",
    [
        # said with the request: only when it says when the service should end
        (
            "please cancel it straight away, i don't need it to run until the end of the month",
            False,
            "immediate",
        ),
        ("I want to cancel it please, as soon as possible", False, "immediate"),
        ("Can we get this sorted today? My phone is on the account", False, None),
        ("cancel it effective today", False, "immediate"),
        ("please cancel on the first of next month", False, "date"),
        # of several sentences, the one that says when to end
        (
            "We are closing the bakery at the end of the year. I'd like the hosting to end on the "
            "15th of next month. My zip is 12345.",
            False,
            "date",
        ),
        ("We are closing at the end of the year. Please cancel my hosting.", False, None),
        (
            "Could you please cancel my hosting? I'd prefer that it just stops at the end of the period.",
            False,
            "end_of_period",
        ),
        # as the answer to the end question
        ("today", True, "immediate"),
        ("can you backdate it to yesterday?", True, "date"),  # the backend says why not
        ("a week from friday", True, "date"),
        ("a month from today", True, "date"),  # not "today": a date a month on
        ("whenever my contract ends", True, "end_of_period"),
        ("when the paid period is up", True, "end_of_period"),
        ("just let it run until the paid period is up", True, "end_of_period"),
        ("at the end of my subscription", True, "end_of_period"),
    ],
)
def test_end_choice(monkeypatch, text, asked, expected):
    monkeypatch.setattr(cancel_flow, "company_today", lambda: TODAY)
    found = cancel_flow.read_end_when(text, asked)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I'd like the hosting to end on the 15th of next month", True),
        ("we want the service stopped", True),
        ("please cancel my plan", True),
        ("I need help to stop the spam emails", False),
        ("what do I need to stop paying", False),
    ],
)
def test_asks_to_cancel(text, expected):
    assert wants_cancel(text) is expected


def test_the_date_of_the_sentence_that_says_when(monkeypatch):
    monkeypatch.setattr(cancel_flow, "company_today", lambda: TODAY)
    text = "We close at the end of the year. I'd like the hosting to end on the 15th of next month."
    assert cancel_flow.read_end_when(text, False) == ("date", date(2027, 1, 15))


def _tracker(events):
    from rasa_sdk import Tracker

    slots = {}
    for e in events:
        if e["event"] == "slot":
            slots[e["name"]] = e["value"]
    return Tracker("t", slots, {}, events, False, None, {}, "action_listen")


def _user(text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "inform"}}}


def _asked(slot):
    return {"event": "slot", "name": "requested_slot", "value": slot}


def test_answers_to_this_question_counts_only_messages_after_it_was_asked():
    """The answer to the previous question ("yes" to the backup) is not an answer to the end
    question that followed it: the first nonsense answer is the first, not the second (a
    person is offered from the second refusal in a row, not the first)."""
    from actions.listening import answers_to_this_question

    events = [_asked("backup_confirmed"), _user("yes"), _asked("end_when"), _user("blue")]
    assert answers_to_this_question(_tracker(events)) == 1
    # the form sets the same requested slot again on every turn: still counted from the first
    events += [_asked("end_when"), _user("purple")]
    assert answers_to_this_question(_tracker(events)) == 2


def test_a_kind_of_service_the_account_does_not_have_is_noticed():
    """ "cancel my hosting" when the one active service is Home Internet; a phone number or an
    email address is no service."""
    from actions.listening import unmatched_service_word

    internet = DUO[0]
    assert unmatched_service_word(internet, ["i want to cancel my hosting, just cancel it"]) == "hosting"
    assert unmatched_service_word(internet, ["cancel my internet please"]) is None
    assert unmatched_service_word(internet, ["cancel, my phone number is 512 555 0101"]) is None
    assert unmatched_service_word(internet, ["cancel it", "hi"]) is None
