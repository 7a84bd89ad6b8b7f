"""Input limits checked at the edge of every channel (bot/channels/limits.py)."""

import json

import pytest

from bot.channels import limits
from bot.channels.identity import (
    new_signed_session_id,
    slack_conversation_id,
    sms_conversation_id,
    valid_signed_session_id,
)


@pytest.mark.parametrize(
    "sender",
    [
        "me",
        "test-0a1b2c",
        "U024BE7LH",
        new_signed_session_id(),
        sms_conversation_id("+15550100001"),
        "+15550100001",
        "a" * 128,
    ],
)
def test_sender_ids_the_channels_produce_are_valid(sender):
    assert limits.valid_sender_id(sender)


@pytest.mark.parametrize(
    "sender", ["", "a" * 129, "\ud800", "a b", "../x", "x/y", "é", "a\x00", 5, None, ["x"], {"a": 1}]
)
def test_forged_or_unstorable_sender_ids_are_refused(sender):
    assert not limits.valid_sender_id(sender)


def test_messages():
    request = (
        "Hi, I'd like to cancel my office phone line at the end of the month because we are "
        "moving to a new building and the landlord provides phones. " * 6
    )
    assert len(request) > 700 and limits.check_message(request) == request  # issue 10: accepted
    assert limits.check_message("line one\nline two\ttab") == "line one\nline two\ttab"
    with pytest.raises(limits.BadMessage) as too_long:
        limits.check_message("x" * 100_000)
    assert too_long.value.status == 413 and "too long" in too_long.value.reply
    for bad in ("\ud800", "bell\x07", 12, ["list"]):
        with pytest.raises(limits.BadMessage) as unreadable:
            limits.check_message(bad)
        assert unreadable.value.status == 400


def test_json_bodies():
    assert limits.load_json(b'{"sender": "me", "message": "hi"}') == {"sender": "me", "message": "hi"}
    deep = b"[" * 100_000 + b"]" * 100_000
    for bad in (
        deep,
        json.dumps({"a": [[[[[[[[[[[1]]]]]]]]]]]}).encode(),
        b'{"message": "\\ud800"}',
        b"\xff\xfe",
        b"NaN",
        b"not json",
    ):
        with pytest.raises(ValueError):
            limits.load_json(bad)


def test_signed_session_ids_and_pseudonyms(monkeypatch):
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "one-secret")
    issued = new_signed_session_id()
    assert valid_signed_session_id(issued)
    assert not valid_signed_session_id(issued[:-1] + ("0" if issued[-1] != "0" else "1"))
    for forged in ("+15550100001", "a" * 65, None, 7, "0" * 32 + "." + "0" * 32):
        assert not valid_signed_session_id(forged)
    phone_id = sms_conversation_id("+15550100001")
    assert phone_id.startswith("sms-") and "5550100001" not in phone_id
    assert sms_conversation_id("+15550100001") == phone_id  # stable: the conversation goes on
    assert slack_conversation_id("U024BE7LH").startswith("slack-")
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "another-secret")
    assert not valid_signed_session_id(issued) and sms_conversation_id("+15550100001") != phone_id
