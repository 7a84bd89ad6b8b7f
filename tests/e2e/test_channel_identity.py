"""Issue 14, critical: a conversation verified on one channel cannot be reached from another.
Full stack (real backend, action server, Rasa with the trained model); SMS and Slack through their
signed webhooks with local stand-ins for the Twilio and Slack APIs (devstack/vendors.py).

Each attack of the probe is replayed: REST with the customer's phone number, with the SMS
conversation's real (pseudonymous) id, with a Slack user id; socket.io with a phone number or a
forged session id. None may show the account's services or file anything; the legitimate channel
goes on working."""

from __future__ import annotations

import asyncio
import os
import secrets
import time

import pytest
import socketio
import sqlalchemy as sa

from devstack.stack import http_json
from devstack.vendors import post_slack, post_sms

pytestmark = pytest.mark.slow

SECRET_SIGNS = (
    "Office Internet",
    "Office Phones",
    "Website Hosting",
    "SVC-600",
    "Kim",
    "Grace",
    "Business Voice",
    "SVC-3001",
)


def _conversation_id(stack, kind: str, raw: str) -> str:
    """The pseudonymous id the stack's Rasa gives an SMS number or a Slack user (same key)."""
    from bot.channels import identity

    previous = os.environ.get("CONVERSATION_ID_SECRET")
    os.environ["CONVERSATION_ID_SECRET"] = stack.env["CONVERSATION_ID_SECRET"]
    try:
        return identity.sms_conversation_id(raw) if kind == "sms" else identity.slack_conversation_id(raw)
    finally:
        if previous is None:
            del os.environ["CONVERSATION_ID_SECRET"]
        else:
            os.environ["CONVERSATION_ID_SECRET"] = previous


def _sms(stack, phone: str, text: str) -> str:
    before = len(stack.vendors.sms_to(phone))
    assert post_sms(stack.env, phone, text) == 200
    return "\n".join(stack.vendors.sms_to(phone)[before:])


def _rest(stack, sender: str, text: str, headers=None) -> tuple:
    status, body = http_json(
        "POST",
        f"{stack.rasa_url}/webhooks/rest/webhook",
        {"sender": sender, "message": text},
        stack.rest_headers() if headers is None else headers,
        timeout=60,
    )
    shown = (
        " ".join(
            (m.get("text") or "") + " ".join(b.get("title", "") for b in m.get("buttons") or []) for m in body
        )
        if isinstance(body, list)
        else str(body)
    )
    return status, shown


def _filed_for(stack, account_number: str) -> int:
    engine = sa.create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "select count(*) from cancellation_requests r join services s on s.id = r.service_id"
                    " join accounts a on a.id = s.account_id where a.account_number = :n"
                ),
                {"n": account_number},
            ).scalar()
    finally:
        engine.dispose()


def _assert_nothing_shown(text: str) -> None:
    for sign in SECRET_SIGNS:
        assert sign not in text, f"{sign!r} shown to an impersonator: {text}"


def _turn_shown(stack, conversation_id: str, turns: int, received, timeout: float = 60.0) -> None:
    """Wait until the conversation's `turns`-th turn is over (Rasa stored it, back to listening) and
    `received()` counts every message the assistant uttered so far: what the assertions then read
    is all there is, however slow the machine."""
    deadline = time.monotonic() + timeout
    while True:
        events = stack.tracker(conversation_id)["events"]
        users = sum(1 for e in events if e.get("event") == "user")
        uttered = sum(1 for e in events if e.get("event") == "bot")
        if users >= turns and events and events[-1].get("name") == "action_listen" and received() >= uttered:
            return
        assert time.monotonic() < deadline, f"turn {turns} not over: {received()} of {uttered} messages"
        time.sleep(0.1)


async def _socketio_attempt(stack, session_id: str, texts) -> str:
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Queue = asyncio.Queue()
    said: list = []
    client.on("session_confirm", confirmed.put_nowait)
    client.on("bot_uttered", lambda data: said.append(data))
    await client.connect(stack.rasa_url, transports=["websocket"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        given = await asyncio.wait_for(confirmed.get(), 30)
        assert given != session_id
        for turn, text in enumerate(texts, start=1):
            await client.emit("user_uttered", {"message": text, "session_id": session_id})
            await asyncio.to_thread(_turn_shown, stack, given, turn, lambda: len(said))
    finally:
        await client.disconnect()
    return " ".join(
        str(m.get("text") or "") + " ".join(b.get("title", "") for b in m.get("quick_replies") or [])
        for m in said
    )


def test_an_sms_verified_conversation_cannot_be_continued_over_rest_or_socketio(stack):
    phone = "+1555" + str(secrets.randbelow(10**7)).zfill(7)
    filed_before = _filed_for(stack, "10000006")
    assert "account" in _sms(stack, phone, "I want to cancel my service").lower()
    _sms(stack, phone, "10000006")
    verified = _sms(stack, phone, "73301")
    assert "Kim" in verified and "Office Internet" in verified, verified
    conversation = _conversation_id(stack, "sms", phone)
    assert conversation != phone and phone.lstrip("+") not in conversation

    # REST without the token: refused before Rasa
    status, _ = _rest(stack, phone, "just cancel it", headers={})
    assert status == 401
    # REST with a token, as the phone number: another conversation, nothing of the account
    for text in ("just cancel it", "yes", "what is my balance"):
        status, shown = _rest(stack, phone, text)
        assert status == 200
        _assert_nothing_shown(shown)
    # ... as the SMS conversation's own id (if it leaked): refused, the id belongs to SMS
    status, shown = _rest(stack, conversation, "just cancel it")
    assert status == 400 and "reserved" in shown
    # socket.io with the phone number or the conversation id as session id
    for session_id in (phone, conversation):
        shown = asyncio.run(_socketio_attempt(stack, session_id, ["just cancel it", "yes"]))
        _assert_nothing_shown(shown)
    assert _filed_for(stack, "10000006") == filed_before

    # the customer, on SMS, still reaches the account where they left off
    answer = _sms(stack, phone, "I want to cancel my service")
    assert "Office Internet" in answer, answer
    # the tracker is not named after the number and holds neither the number nor the ZIP
    status, body = http_json(
        "GET", f"{stack.rasa_url}/conversations/{phone}/tracker?token={stack.rasa_token}"
    )
    assert status == 200 and not [e for e in body["events"] if e.get("input_channel") == "twilio"]
    stored = str(stack.tracker(conversation))
    assert phone not in stored and "73301" not in stored and "10000006" not in stored


def test_a_slack_verified_conversation_cannot_be_continued_over_rest(stack):
    user = "U" + secrets.token_hex(5).upper()
    dm = "D" + user[1:]

    turns = []

    def slack(text: str) -> str:
        before = len(stack.vendors.slack_posts(dm))
        assert post_slack(stack.env, stack.rasa_url, user, dm, text) == 200
        turns.append(text)
        conversation = _conversation_id(stack, "slack", user)
        _turn_shown(stack, conversation, len(turns), lambda: len(stack.vendors.slack_posts(dm)))
        return "\n".join(stack.vendors.slack_posts(dm)[before:])

    filed_before = _filed_for(stack, "10000003")
    assert "account" in slack("I want to cancel my service").lower()
    slack("10000003")
    verified = slack("60614")
    assert "Grace" in verified, verified
    conversation = _conversation_id(stack, "slack", user)
    for text in ("just cancel it", "yes"):
        status, shown = _rest(stack, user, text)
        assert status == 200
        _assert_nothing_shown(shown)
    assert _rest(stack, conversation, "just cancel it")[0] == 400
    assert _filed_for(stack, "10000003") == filed_before


def test_hostile_input_does_not_stop_the_assistant(stack):
    """Issue 14: a lone surrogate sender id made Rasa exit; a 100 kB message blocked everyone."""
    raw = b'{"sender": "\\ud800", "message": "hi"}'
    import urllib.request

    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=raw,
        method="POST",
        headers={"Content-Type": "application/json", **stack.rest_headers()},
    )
    try:
        urllib.request.urlopen(request, timeout=30)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 400
    assert _rest(stack, "big-" + secrets.token_hex(4), "x" * 100_000)[0] == 413
    assert _rest(stack, "deep", "x")[0] == 200
    status, body = http_json("POST", f"{stack.rasa_url}/webhooks/rest/webhook", [1, 2], stack.rest_headers())
    assert status == 400 and body["error"] == "malformed_body"
    assert stack.processes["rasa"].poll() is None
    status, shown = _rest(stack, "bystander-" + secrets.token_hex(4), "hi")
    assert status == 200 and shown
