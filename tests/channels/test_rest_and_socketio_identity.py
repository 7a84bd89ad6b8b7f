"""REST behind a token and socket.io with server-signed session ids (issue 14: any client could
pick another customer's conversation id), with the input limits at their edge. Real Sanic server
with Rasa's channel routes and the tiny test model; socket.io through python-socketio's client."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import socketio

from bot.channels.identity import new_signed_session_id, sms_conversation_id, valid_signed_session_id
from bot.channels.rest import TokenRestInput
from bot.channels.socketio import SignedSocketIOInput
from tests.channels.conftest import rasa_channel_server, tracebacks

pytestmark = pytest.mark.slow

TOKEN = "rest-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def _post(http, url, body, headers=AUTH, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    async with http.post(url, data=data, headers={"Content-Type": "application/json", **headers}) as answer:
        return answer.status, await answer.json(content_type=None)


async def _user_texts(agent, sender):
    tracker = await agent.tracker_store.retrieve(sender)
    return [] if tracker is None else [e.text for e in tracker.events if e.type_name == "user"]


@pytest.fixture
async def rest(tiny_agent):
    async with rasa_channel_server(tiny_agent, [TokenRestInput(token=TOKEN)]) as base:
        async with aiohttp.ClientSession() as http:
            yield http, f"{base}/webhooks/rest/webhook"


async def test_rest_needs_the_token(rest, tiny_agent):
    http, url = rest
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        status, body = await _post(http, url, {"sender": "rest-a", "message": "hello"}, headers)
        assert status == 401 and body["error"] == "unauthorized"
    assert await _user_texts(tiny_agent, "rest-a") == []
    status, body = await _post(http, url, {"sender": "rest-a", "message": "hello"})
    assert status == 200 and body[0]["text"] == "Hello from the test bot."


async def test_rest_closed_without_a_token_unless_opened_for_development(tiny_agent):
    async with rasa_channel_server(tiny_agent, [TokenRestInput()]) as base, aiohttp.ClientSession() as http:
        status, body = await _post(
            http, f"{base}/webhooks/rest/webhook", {"sender": "x", "message": "hello"}, {}
        )
        assert status == 503 and body["error"] == "rest_channel_closed"
    async with (
        rasa_channel_server(tiny_agent, [TokenRestInput(open_without_token=True)]) as base,
        aiohttp.ClientSession() as http,
    ):
        status, body = await _post(
            http, f"{base}/webhooks/rest/webhook", {"sender": "x", "message": "hello"}, {}
        )
        assert status == 200 and body[0]["text"] == "Hello from the test bot."


async def test_rest_cannot_claim_another_input_channel(rest, tiny_agent):
    http, url = rest
    status, _ = await _post(
        http, url, {"sender": "claims-sms", "message": "hello", "input_channel": "twilio"}
    )
    assert status == 200
    tracker = await tiny_agent.tracker_store.retrieve("claims-sms")
    assert tracker.get_latest_input_channel() == "rest"


@pytest.mark.parametrize(
    "body, raw, status, code",
    [
        ({"sender": "\ud800", "message": "hello"}, None, 400, "malformed_body"),  # lone surrogate (issue 14)
        ({"sender": "é", "message": "hello"}, None, 400, "invalid_sender"),
        ({"sender": "a" * 200, "message": "hello"}, None, 400, "invalid_sender"),
        ({"sender": "a/b", "message": "hello"}, None, 400, "invalid_sender"),
        ({"sender": 5, "message": "hello"}, None, 400, "invalid_sender"),
        ({"sender": "ok", "message": "x" * 100_000}, None, 413, "body_too_large"),
        ({"sender": "ok", "message": "x" * 5_000}, None, 413, "message_too_long"),
        ({"sender": "ok", "message": "hi \udfff"}, None, 400, "malformed_body"),
        ({"sender": "ok", "message": 12}, None, 400, "unreadable_message"),
        (None, b"[1, 2]", 400, "malformed_body"),
        (None, b'"text"', 400, "malformed_body"),
        (None, b"[" * 20_000 + b"]" * 20_000, 400, "malformed_body"),
        (
            None,
            b'{"sender": "ok", "message": "hi", "metadata": ' + b'{"a":' * 30 + b"1" + b"}" * 31,
            400,
            "malformed_body",
        ),
        (None, b"\xff\xfe", 400, "malformed_body"),
    ],
    ids=[
        "surrogate-sender",
        "non-ascii-sender",
        "long-sender",
        "slash-sender",
        "number-sender",
        "100kB",
        "5000-chars",
        "surrogate-message",
        "number-message",
        "list-body",
        "string-body",
        "deep-nesting",
        "deep-metadata",
        "not-utf8",
    ],
)
async def test_rest_refuses_bad_input_with_a_json_error_and_keeps_serving(
    rest, tiny_agent, caplog, body, raw, status, code
):
    http, url = rest
    answer = await _post(http, url, body, raw=raw)
    assert answer[0] == status and answer[1]["error"] == code and answer[1]["message"]
    # a bystander is still answered
    bystander = await _post(http, url, {"sender": "bystander", "message": "hello"})
    assert bystander == (200, [{"recipient_id": "bystander", "text": "Hello from the test bot."}])
    assert not tracebacks(caplog)


async def test_a_long_but_real_request_is_accepted(rest):
    http, url = rest
    text = "I would like to cancel the office phones because we are moving offices next month. " * 9
    assert 700 < len(text) < 1000
    status, body = await _post(http, url, {"sender": "long-request", "message": text})
    assert status == 200 and body


class Widget:
    """A socket.io client speaking the widget's protocol (backend/web/src/widget.js)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.bot: asyncio.Queue = asyncio.Queue()
        self.client.on("session_confirm", self.confirmed.put_nowait)
        self.client.on("bot_uttered", self.bot.put_nowait)

    async def __aenter__(self) -> "Widget":
        await self.client.connect(self.url, transports=["websocket"])
        return self

    async def __aexit__(self, *exc) -> None:
        await self.client.disconnect()

    async def session(self, session_id) -> str:
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), 20)

    async def say(self, text, session_id=None) -> dict:
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id})
        return await asyncio.wait_for(self.bot.get(), 30)


@pytest.fixture
async def sio_url(tiny_agent):
    channel = SignedSocketIOInput(session_persistence=True)
    async with rasa_channel_server(tiny_agent, [channel]) as base:
        yield base


async def test_socketio_replaces_client_chosen_session_ids(sio_url, tiny_agent):
    victim = sms_conversation_id("+15550100001")
    for forged in ("+15550100001", victim, "0" * 32 + "." + "0" * 32, "x" * 1000, 12, None):
        async with Widget(sio_url) as widget:
            confirmed = await widget.session(forged)
            assert confirmed != forged and valid_signed_session_id(confirmed)
            # the message's own session_id field is ignored too
            answer = await widget.say("hello", session_id=victim)
            assert answer["text"] == "Hello from the test bot."
            assert await _user_texts(tiny_agent, confirmed) == ["hello"]
    assert await _user_texts(tiny_agent, victim) == []
    assert await _user_texts(tiny_agent, "+15550100001") == []


async def test_socketio_keeps_a_session_it_issued(sio_url, tiny_agent):
    async with Widget(sio_url) as widget:
        first = await widget.session(None)
        await widget.say("hello")
    async with Widget(sio_url) as widget:  # page reload: the widget brings its id back
        assert await widget.session(first) == first
        await widget.say("hello again")
    assert await _user_texts(tiny_agent, first) == ["hello", "hello again"]
    assert valid_signed_session_id(new_signed_session_id())


async def test_socketio_bad_messages_get_an_answer_and_never_reach_the_assistant(sio_url, tiny_agent):
    async with Widget(sio_url) as widget:
        session = await widget.session(None)
        answer = await widget.say("x" * 5_000)
        assert "too long" in answer["text"]
        answer = await widget.say("\ud800")
        assert "couldn't read" in answer["text"]
        assert (await widget.say("hello"))["text"] == "Hello from the test bot."
    assert await _user_texts(tiny_agent, session) == ["hello"]


async def test_socketio_a_huge_message_is_dropped_at_the_transport_and_others_are_served(sio_url, tiny_agent):
    async with Widget(sio_url) as attacker:
        await attacker.session(None)
        await attacker.client.emit("user_uttered", {"message": "x" * 200_000})
        async with Widget(sio_url) as bystander:
            await bystander.session(None)
            assert (await bystander.say("hello"))["text"] == "Hello from the test bot."


async def test_rest_refuses_the_other_channels_conversation_ids(rest, tiny_agent):
    http, url = rest
    for sender in (sms_conversation_id("+15550100001"), "slack-" + "0" * 40, new_signed_session_id()):
        status, body = await _post(http, url, {"sender": sender, "message": "hello"})
        assert status == 400 and body["error"] == "invalid_sender", sender
        assert await _user_texts(tiny_agent, sender) == []
