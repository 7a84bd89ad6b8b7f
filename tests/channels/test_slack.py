"""Slack channel (bot.channels.slack.SecureSlackInput) on a real Sanic server with Rasa's channel
routes and the tiny test model; replies go to a local stand-in of the Slack Web API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import tempfile
import time
import uuid

import aiohttp
import pytest

from bot.channels.identity import slack_conversation_id
from bot.channels.slack import SecureSlackInput
from tests.channels.conftest import rasa_channel_server, tracebacks

pytestmark = pytest.mark.slow

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"


def sign(body: bytes, timestamp=None, secret: str = SECRET) -> dict:
    ts = str(int(time.time())) if timestamp is None else str(timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def message_event(text: str, user: str, event_id: str = "") -> bytes:
    return json.dumps(
        {
            "token": "verification-token",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"user_id": "UBOT"}],
            "event": {
                "type": "message",
                "channel": f"D{user}",
                "channel_type": "im",
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }
    ).encode()


# where the channel keeps the Slack channel of each pseudonymous conversation (shared by the
# "replicas" of a test, as in production)
STORE_URL = f"sqlite:///{tempfile.mkdtemp(prefix='slack-store-')}/channels.sqlite3"


def new_user() -> str:
    return "U" + uuid.uuid4().hex[:10].upper()


def channel(stand_in, **overrides) -> SecureSlackInput:
    settings = dict(
        slack_token=TOKEN, slack_signing_secret=SECRET, api_url=f"{stand_in.url}/api/", store_url=STORE_URL
    )
    settings.update(overrides)
    return SecureSlackInput(**settings)


@pytest.fixture
async def slack(tiny_agent, stand_in):
    async with rasa_channel_server(tiny_agent, [channel(stand_in)]) as base:
        async with aiohttp.ClientSession() as http:
            yield http, f"{base}/webhooks/slack/webhook"


async def post(http, url, body: bytes, headers: dict, content_type="application/json"):
    async with http.post(url, data=body, headers={"Content-Type": content_type, **headers}) as answer:
        return answer.status, await answer.text(), dict(answer.headers)


async def stored_user_events(agent, sender: str) -> list:
    """User events of the conversation of Slack user ``sender`` (pseudonymous id)."""
    tracker = await agent.tracker_store.retrieve(slack_conversation_id(sender))
    return [] if tracker is None else [e for e in tracker.events if e.type_name == "user"]


async def answered_probe(http, url, stand_in, tiny_agent, user: str) -> list:
    """A negative check that cannot pass by being early: a valid message from ``user`` is sent the
    same way and its turn completes (stored). The assistant runs a conversation's turns one after
    another, in the order they came, so whatever an earlier request set off for ``user`` has posted
    and been stored by then. Returns every request the Slack API stand-in received (the probe's
    answer is one of them)."""
    probe = message_event("probe", user)
    assert (await post(http, url, probe, sign(probe)))[0] == 200
    deadline = time.monotonic() + 30
    while "probe" not in [e.text for e in await stored_user_events(tiny_agent, user)]:
        assert time.monotonic() < deadline, "the probe message was not answered"
        await asyncio.sleep(0.05)
    return list(stand_in.requests)


async def user_texts(agent, sender: str) -> list:
    return [e.text for e in await stored_user_events(agent, sender)]


async def test_signed_message_is_answered_through_the_web_api(slack, stand_in, tiny_agent, caplog):
    http, url = slack
    user = new_user()
    body = message_event("hello", user)
    status, _, _ = await post(http, url, body, sign(body))
    assert status == 200
    posted = await stand_in.wait_for(1)
    assert [p["path"] for p in posted] == ["/api/chat.postMessage"]
    assert posted[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert posted[0]["body"]["channel"] == f"D{user}"
    assert posted[0]["body"]["text"] == "Hello from the test bot."
    assert "as_user" not in posted[0]["body"]  # refused for Slack apps with granular scopes
    events = await stored_user_events(tiny_agent, user)
    assert [e.text for e in events] == ["hello"]
    assert events[0].input_channel == "slack"
    assert not tracebacks(caplog)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: {}, id="missing-signature"),
        pytest.param(
            lambda body: {**sign(body), "X-Slack-Signature": "v0=" + "0" * 64}, id="wrong-signature"
        ),
        pytest.param(lambda body: sign(body, secret="another-secret"), id="other-secret"),
        pytest.param(lambda body: sign(body, timestamp=int(time.time()) - 301), id="timestamp-5min-old"),
        pytest.param(lambda body: sign(body, timestamp=int(time.time()) + 301), id="timestamp-in-future"),
        pytest.param(lambda body: {"X-Slack-Signature": sign(body)["X-Slack-Signature"]}, id="no-timestamp"),
        pytest.param(
            lambda body: {**sign(body), "X-Slack-Request-Timestamp": "soon"}, id="garbage-timestamp"
        ),
        pytest.param(
            lambda body: {**sign(body), "X-Slack-Request-Timestamp": "\u00b2"}, id="unicode-digit-timestamp"
        ),
        pytest.param(
            lambda body: {**sign(body), "X-Slack-Signature": "v0=\u00e9t\u00e9"}, id="non-ascii-signature"
        ),
    ],
)
async def test_unsigned_or_stale_requests_are_refused_and_nothing_is_posted_or_stored(
    slack, stand_in, tiny_agent, caplog, headers
):
    http, url = slack
    user = new_user()
    body = message_event("hello", user)
    status, _, _ = await post(http, url, body, headers(body))
    assert status == 401
    assert len(await answered_probe(http, url, stand_in, tiny_agent, user)) == 1  # the probe's answer
    assert await user_texts(tiny_agent, user) == ["probe"]
    assert not tracebacks(caplog)


async def test_body_signed_for_another_body_is_refused(slack, stand_in, tiny_agent, caplog):
    http, url = slack
    user = new_user()
    original = message_event("hello", user)
    tampered = original.replace(b'"hello"', b'"choose"')
    status, _, _ = await post(http, url, tampered, sign(original))
    assert status == 401
    assert len(await answered_probe(http, url, stand_in, tiny_agent, user)) == 1  # the probe's answer
    assert await user_texts(tiny_agent, user) == ["probe"]
    assert not tracebacks(caplog)


async def test_retried_delivery_is_not_answered_twice(slack, stand_in, tiny_agent, caplog):
    http, url = slack
    user = new_user()
    body = message_event("hello", user, event_id="EvRETRY0001")
    assert (await post(http, url, body, sign(body)))[0] == 200
    await stand_in.wait_for(1)
    retry_headers = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    status, _, headers = await post(http, url, body, retry_headers)
    assert status == 200
    assert headers.get("X-Slack-No-Retry") == "1"
    # the same event without retry headers (a replay within 5 minutes) is dropped too
    assert (await post(http, url, body, sign(body)))[0] == 200
    assert len(await answered_probe(http, url, stand_in, tiny_agent, user)) == 2  # hello's and the probe's
    assert await user_texts(tiny_agent, user) == ["hello", "probe"]
    assert not tracebacks(caplog)


async def test_retry_reaching_another_replica_is_recognised_from_the_tracker(tiny_agent, stand_in, caplog):
    user = new_user()
    body = message_event("hello", user, event_id="EvREPLICA01")
    async with rasa_channel_server(tiny_agent, [channel(stand_in)]) as first:
        async with aiohttp.ClientSession() as http:
            assert (await post(http, f"{first}/webhooks/slack/webhook", body, sign(body)))[0] == 200
            await stand_in.wait_for(1)
            deadline = time.monotonic() + 30
            while await user_texts(tiny_agent, user) != ["hello"]:  # the turn is stored once complete
                assert time.monotonic() < deadline, "the first delivery's turn was not stored"
                await asyncio.sleep(0.05)
    async with rasa_channel_server(tiny_agent, [channel(stand_in)]) as second:  # fresh memory
        async with aiohttp.ClientSession() as http:
            url = f"{second}/webhooks/slack/webhook"
            retry = {**sign(body), "X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "connection_failed"}
            status, _, headers = await post(http, url, body, retry)
            assert status == 200 and headers.get("X-Slack-No-Retry") == "1"
            assert len(await answered_probe(http, url, stand_in, tiny_agent, user)) == 2
    assert await user_texts(tiny_agent, user) == ["hello", "probe"]
    assert not tracebacks(caplog)


async def test_retry_of_a_lost_first_delivery_is_processed(slack, stand_in, tiny_agent):
    http, url = slack
    user = new_user()
    body = message_event("hello", user, event_id="EvLOSTFIRST")
    retry = {**sign(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "connection_failed"}
    assert (await post(http, url, body, retry))[0] == 200
    assert len(await stand_in.wait_for(1)) == 1
    assert len(await stored_user_events(tiny_agent, user)) == 1


async def test_buttons_are_sent_as_blocks_and_a_click_is_handled(slack, stand_in, tiny_agent):
    http, url = slack
    user = new_user()
    body = message_event("show me options", user)
    assert (await post(http, url, body, sign(body)))[0] == 200
    posted = await stand_in.wait_for(1)
    blocks = posted[0]["body"]["blocks"]
    buttons = blocks[1]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [("Yes", "/affirm"), ("No", "/deny")]

    click = {
        "type": "block_actions",
        "trigger_id": f"trig-{uuid.uuid4().hex}",
        "user": {"id": user},
        "channel": {"id": f"D{user}"},
        "message": {"ts": "1700000000.000100"},
        "actions": [{"type": "button", "value": "/affirm", "text": {"type": "plain_text", "text": "Yes"}}],
    }
    form = "payload=" + aiohttp.helpers.quote(json.dumps(click), safe="")
    form_body = form.encode()
    status, _, _ = await post(http, url, form_body, sign(form_body), "application/x-www-form-urlencoded")
    assert status == 200
    posted = await stand_in.wait_for(2)
    assert posted[1]["body"]["text"] == "You chose yes."


async def test_url_verification_answers_the_challenge(slack):
    http, url = slack
    body = json.dumps(
        {
            "type": "url_verification",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "token": "x",
        }
    ).encode()
    status, text, _ = await post(http, url, body, sign(body))
    assert status == 200
    assert json.loads(text) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        pytest.param(b"{not json", "application/json", 400, id="malformed-json"),
        pytest.param(b"[1, 2, 3]", "application/json", 400, id="json-not-object"),
        pytest.param(
            b'{"type": "event_callback", "event": "text"}', "application/json", 400, id="event-not-object"
        ),
        pytest.param(
            b'{"type": "event_callback", "event": {"type": "message", "text": {"a": 1}, "user": "U1", "channel_type": "im"}}',
            "application/json",
            400,
            id="text-not-string",
        ),
        pytest.param(b"foo=bar", "application/x-www-form-urlencoded", 400, id="form-without-payload"),
        pytest.param(
            b"payload=%7Bnot%20json", "application/x-www-form-urlencoded", 400, id="form-payload-not-json"
        ),
        pytest.param(b"hello", "text/plain", 415, id="wrong-content-type"),
        pytest.param(b'{"pad": "' + b"x" * (70 * 1024) + b'"}', "application/json", 413, id="oversized"),
        pytest.param(b"[" * 30_000 + b"]" * 30_000, "application/json", 400, id="deeply-nested"),
        pytest.param(
            b"payload=" + b"%5B" * 20_000,
            "application/x-www-form-urlencoded",
            400,
            id="deeply-nested-payload",
        ),
        pytest.param(
            b'{"type": "event_callback", "event": {"type": "message", "text": "\\ud800", "user": "U1",'
            b' "channel_type": "im"}}',
            "application/json",
            400,
            id="lone-surrogate",
        ),
    ],
)
async def test_malformed_or_oversized_signed_bodies_are_refused(
    slack, stand_in, tiny_agent, caplog, body, content_type, expected
):
    http, url = slack
    status, _, _ = await post(http, url, body, sign(body), content_type)
    assert status == expected
    probe_user = new_user()
    [answer] = await answered_probe(http, url, stand_in, tiny_agent, probe_user)  # nothing else
    assert answer["body"]["channel"] == f"D{probe_user}"
    assert not tracebacks(caplog)


async def test_unconfigured_channel_refuses_everything(slack, tiny_agent, stand_in, caplog):
    unconfigured = SecureSlackInput.from_credentials({"slack_token": "", "slack_signing_secret": ""})
    user = new_user()
    body = message_event("hello", user)
    async with rasa_channel_server(tiny_agent, [unconfigured]) as base:
        async with aiohttp.ClientSession() as http:
            status, _, _ = await post(http, f"{base}/webhooks/slack/webhook", body, sign(body))
    assert status == 503
    # the probe goes through a configured server of the same assistant (same conversation order)
    http, url = slack
    assert len(await answered_probe(http, url, stand_in, tiny_agent, user)) == 1
    assert await user_texts(tiny_agent, user) == ["probe"]


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-env")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "env-secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    slack = SecureSlackInput.from_credentials(None)
    assert slack.configured
    assert (slack.slack_token, slack.slack_signing_secret) == ("xoxb-env", "env-secret")
    output = slack.get_output_channel("D1")
    assert output.client.base_url == "http://127.0.0.1:9/api/"
    # credentials.yml wins over the environment
    assert SecureSlackInput.from_credentials({"slack_token": "xoxb-file"}).slack_token == "xoxb-file"


async def test_the_slack_user_id_is_not_the_conversation_id(slack, stand_in, tiny_agent):
    """Issue 14: a REST client sending a Slack user id as sender continued that conversation."""
    http, url = slack
    user = new_user()
    body = message_event("hello", user)
    assert (await post(http, url, body, sign(body)))[0] == 200
    await stand_in.wait_for(1)
    assert await tiny_agent.tracker_store.retrieve(user) is None
    assert user not in slack_conversation_id(user)
    assert [e.text for e in await stored_user_events(tiny_agent, user)] == ["hello"]
    # later messages to the conversation (a staff agent's reply) reach the user's channel
    await (
        channel(stand_in)
        .get_output_channel()
        .send_text_message(slack_conversation_id(user), "An agent writes.")
    )
    posted = await stand_in.wait_for(2)
    assert posted[-1]["body"]["channel"] == f"D{user}" and posted[-1]["body"]["text"] == "An agent writes."


async def test_an_event_without_event_id_is_handled_once(slack, stand_in, tiny_agent, caplog):
    http, url = slack
    user = new_user()
    event = json.loads(message_event("hello", user))
    del event["event_id"]
    body = json.dumps(event).encode()
    headers = sign(body)
    assert (await post(http, url, body, headers))[0] == 200
    await stand_in.wait_for(1)
    assert (await post(http, url, body, headers))[0] == 200  # replayed within the 5 minutes
    assert len(await answered_probe(http, url, stand_in, tiny_agent, user)) == 2  # hello's and the probe's
    assert await user_texts(tiny_agent, user) == ["hello", "probe"]
    assert not tracebacks(caplog)


async def test_a_too_long_message_gets_a_clear_answer(slack, stand_in, tiny_agent):
    http, url = slack
    user = new_user()
    body = message_event("x" * 5000, user)
    assert (await post(http, url, body, sign(body)))[0] == 200
    posted = await stand_in.wait_for(1)
    assert "too long" in posted[0]["body"]["text"]
    assert await stored_user_events(tiny_agent, user) == []
