"""SMS channel (bot.channels.twilio_signed.TwilioSignedInput) on a real Sanic server with Rasa's
channel routes and the tiny test model; outgoing messages go to a local Twilio API stand-in."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import aiohttp
import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bot.channels.identity import sms_conversation_id
from bot.channels.sms_store import SmsStore, handled, opt_out
from bot.channels.twilio_signed import SMS_MAX_CHARS, TwilioSignedInput, split_message
from tests.channels.conftest import LONG_REPLY, rasa_channel_server, tracebacks

pytestmark = pytest.mark.slow

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
NUMBER = "+15550001111"
# The URL Twilio signs: the public one, not the one the server sees behind the proxy.
PUBLIC_URL = "https://sms.example.com/webhooks/twilio/webhook"


def new_phone() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


def form(sender: str, text: str, **extra) -> dict:
    return {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "SmsMessageSid": "",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": NUMBER,
        "Body": text,
        "NumMedia": "0",
        "FromCity": "",
        **extra,
    }


def signature(params: dict, url: str = PUBLIC_URL, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


class Sms:
    def __init__(self, http, url, stand_in, store, agent) -> None:
        self.http, self.url, self.stand_in, self.store, self.agent = http, url, stand_in, store, agent

    async def post(self, params: dict, sig=None, body=None, content_type="application/x-www-form-urlencoded"):
        headers = {"Content-Type": content_type}
        if sig is not False:
            headers["X-Twilio-Signature"] = sig or signature(params)
        data = body if body is not None else urlencode(params).encode()
        async with self.http.post(self.url, data=data, headers=headers) as answer:
            return answer.status, await answer.text()

    async def say(self, sender: str, text: str):
        status, body = await self.post(form(sender, text))
        assert status == 200, body
        return body

    async def probe(self, sender: str) -> list:
        """A negative check that cannot pass by being early: a valid message from ``sender`` is
        answered (the webhook answers once the turn is done; the assistant runs a conversation's
        turns in the order they came), so whatever an earlier request set off has been sent and
        stored by then. Returns every request the Twilio API stand-in received."""
        await self.say(sender, "probe")
        assert "probe" in [e.text for e in await self.user_events(sender)]
        return list(self.stand_in.requests)

    async def texts(self, sender: str) -> list:
        return [e.text for e in await self.user_events(sender)]

    def sent_to(self, sender: str) -> list:
        return [r["body"]["Body"] for r in self.stand_in.requests if r["body"].get("To") == sender]

    async def user_events(self, sender: str) -> list:
        """User events of the conversation of the phone number ``sender`` (pseudonymous id)."""
        tracker = await self.agent.tracker_store.retrieve(sms_conversation_id(sender))
        return [] if tracker is None else [e for e in tracker.events if e.type_name == "user"]

    def handled_count(self, message_sid: str) -> int:
        with self.store.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(handled).where(handled.c.message_sid == message_sid)
            ).scalar()

    def opted_out(self) -> list:
        with self.store.engine.connect() as conn:
            return [row.phone for row in conn.execute(sa.select(opt_out.c.phone))]


def channel(stand_in, store, **overrides) -> TwilioSignedInput:
    settings = dict(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        twilio_number=NUMBER,
        webhook_url=PUBLIC_URL,
        api_url=stand_in.url,
        store=store,
    )
    settings.update(overrides)
    return TwilioSignedInput(**settings)


@pytest.fixture
def store(tmp_path) -> SmsStore:
    return SmsStore(f"sqlite:///{tmp_path}/sms.sqlite3")


@pytest.fixture
async def sms(tiny_agent, stand_in, store):
    async with rasa_channel_server(tiny_agent, [channel(stand_in, store)]) as base:
        async with aiohttp.ClientSession() as http:
            yield Sms(http, f"{base}/webhooks/twilio/webhook", stand_in, store, tiny_agent)


async def test_signed_message_is_answered_through_the_twilio_api(sms, stand_in, caplog):
    sender = new_phone()
    answer = await sms.say(sender, "hello")
    assert "<Response>" in answer
    posted = await stand_in.wait_for(1)
    assert posted[0]["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert posted[0]["headers"]["Authorization"].startswith("Basic ")
    assert posted[0]["body"] == {"To": sender, "From": NUMBER, "Body": "Hello from the test bot."}
    events = await sms.user_events(sender)
    assert [(e.text, e.input_channel) for e in events] == [("hello", "twilio")]
    assert not tracebacks(caplog)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda params: (params, False), id="unsigned"),
        pytest.param(lambda params: (params, "bm90IGEgc2lnbmF0dXJl"), id="wrong-signature"),
        pytest.param(lambda params: (params, signature(params, token="another-token")), id="other-token"),
        pytest.param(
            lambda params: (params, signature(params, url="http://127.0.0.1/webhooks/twilio/webhook")),
            id="signed-for-another-url",
        ),
        pytest.param(
            lambda params: ({**params, "Body": "show me options"}, signature(params)),
            id="replayed-with-different-body",
        ),
        pytest.param(
            lambda params: ({**params, "From": "+15559999999"}, signature(params)),
            id="replayed-with-different-sender",
        ),
        pytest.param(
            lambda params: ({**params, "Extra": "1"}, signature(params)), id="replayed-with-extra-field"
        ),
    ],
)
async def test_unsigned_or_wrongly_signed_requests_get_403_and_nothing_is_stored(
    sms, stand_in, caplog, tamper
):
    sender = new_phone()
    params, sig = tamper(form(sender, "hello"))
    status, _ = await sms.post(params, sig=sig)
    assert status == 403
    assert len(await sms.probe(sender)) == 1  # the probe's answer
    assert await sms.texts(sender) == ["probe"]
    if params["From"] != sender:
        assert len(await sms.probe(params["From"])) == 2 and await sms.texts(params["From"]) == ["probe"]
    assert sms.handled_count(params["MessageSid"]) == 0
    assert sms.opted_out() == []
    assert not tracebacks(caplog)


async def test_exact_replay_of_a_signed_request_is_not_answered_twice(sms, stand_in, caplog):
    sender = new_phone()
    params = form(sender, "hello")
    assert (await sms.post(params))[0] == 200
    await stand_in.wait_for(1)
    assert (await sms.post(params))[0] == 200
    assert len(await sms.probe(sender)) == 2  # hello's answer and the probe's
    assert await sms.texts(sender) == ["hello", "probe"]
    assert not tracebacks(caplog)


async def test_stop_help_start(sms, stand_in, store):
    sender = new_phone()
    await sms.say(sender, "hello")
    await sms.say(sender, "Stop")
    stop_reply = sms.sent_to(sender)[-1]
    assert "unsubscribed" in stop_reply and "START" in stop_reply
    assert await store.is_opted_out(sender)

    # opted out: nothing reaches the assistant, nothing is sent
    before = len(sms.sent_to(sender))
    await sms.say(sender, "hello")
    await sms.say(sender, "show me options")  # the webhook answers once the message is handled
    assert len(sms.sent_to(sender)) == before
    assert [e.text for e in await sms.user_events(sender)] == ["hello"]

    # ... not even from elsewhere (e.g. a staff reply through Rasa's output channel)
    output = channel(stand_in, store).get_output_channel()
    await output.send_text_message(sender, "A message from staff")
    assert len(sms.sent_to(sender)) == before

    # HELP is still answered: what this is and how to stop
    await sms.say(sender, "help")
    help_reply = sms.sent_to(sender)[-1]
    assert "cancel" in help_reply.lower() and "STOP" in help_reply

    await sms.say(sender, "START")
    assert "subscribed" in sms.sent_to(sender)[-1]
    assert not await store.is_opted_out(sender)
    await sms.say(sender, "hello")
    assert sms.sent_to(sender)[-1] == "Hello from the test bot."
    # keywords never reached the assistant, nor did what came while opted out (the last turn ran
    # after anything they could have set off)
    assert [e.text for e in await sms.user_events(sender)] == ["hello", "hello"]
    assert "Do you want to continue?\n1. Yes\n2. No" not in sms.sent_to(sender)


async def test_cancel_is_conversation_not_an_opt_out_keyword(sms, store):
    sender = new_phone()
    await sms.say(sender, "CANCEL")
    assert not await store.is_opted_out(sender)
    assert [e.text for e in await sms.user_events(sender)] == ["CANCEL"]


async def test_long_reply_is_split_on_sentence_boundaries(sms, stand_in):
    sender = new_phone()
    await sms.say(sender, "tell me everything")
    parts = sms.sent_to(sender)
    assert len(LONG_REPLY) > SMS_MAX_CHARS
    assert len(parts) == 2
    assert all(len(p) <= SMS_MAX_CHARS for p in parts)
    assert parts[0].endswith("message.") and parts[1].startswith("Sentence number")
    assert " ".join(parts) == LONG_REPLY


async def test_buttons_become_numbered_options_and_a_number_reply_picks_one(sms, stand_in):
    sender = new_phone()
    await sms.say(sender, "show me options")
    assert sms.sent_to(sender)[-1] == "Do you want to continue?\n1. Yes\n2. No"
    await sms.say(sender, "2")
    assert sms.sent_to(sender)[-1] == "You chose no."
    events = await sms.user_events(sender)
    assert events[-1].intent["name"] == "deny"

    await sms.say(sender, "show me options")
    await sms.say(sender, " 1. ")
    assert sms.sent_to(sender)[-1] == "You chose yes."

    # out of range, or after the customer has answered: passed on as typed
    await sms.say(sender, "show me options")
    await sms.say(sender, "7")
    assert (await sms.user_events(sender))[-1].text == "7"
    await sms.say(sender, "2")
    assert (await sms.user_events(sender))[-1].text == "2"


@pytest.mark.parametrize(
    "make, expected",
    [
        pytest.param(
            lambda p: dict(body=urlencode({**p, "Body": "x" * 70000}).encode()), 413, id="oversized"
        ),
        pytest.param(lambda p: dict(content_type="application/json", body=b'{"From": "+1"}'), 415, id="json"),
        pytest.param(lambda p: dict(body=b"From=%2B1555&Body=\xff\xfe"), 400, id="not-utf8"),
        pytest.param(lambda p: dict(body=b"\x00\x01garbage", sig="x"), 403, id="garbage"),
    ],
)
async def test_malformed_or_oversized_bodies_are_refused(sms, stand_in, caplog, make, expected):
    params = form(new_phone(), "hello")
    options = make(params)
    status, _ = await sms.post(params, sig=options.pop("sig", None), **options)
    assert status == expected
    assert len(await sms.probe(params["From"])) == 1  # the probe's answer
    assert await sms.texts(params["From"]) == ["probe"]
    assert sms.handled_count(params["MessageSid"]) == 0
    assert not tracebacks(caplog)


async def test_signed_form_without_sender_is_refused(sms, stand_in, caplog):
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "Body": "hello"}
    status, _ = await sms.post(params)
    assert status == 400
    probe_sender = new_phone()
    [answer] = await sms.probe(probe_sender)  # nothing but the probe's answer
    assert answer["body"]["To"] == probe_sender
    assert not tracebacks(caplog)


async def test_unconfigured_channel_refuses_everything(sms, tiny_agent, stand_in, store):
    unconfigured = TwilioSignedInput.from_credentials({"account_sid": "", "auth_token": ""})
    assert not unconfigured.configured
    params = form(new_phone(), "hello")
    async with rasa_channel_server(tiny_agent, [unconfigured]) as base:
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{base}/webhooks/twilio/webhook",
                data=urlencode(params).encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature(params),
                },
            ) as answer:
                assert answer.status == 503
    # the probe goes through a configured channel of the same assistant
    assert len(await sms.probe(params["From"])) == 1
    assert await sms.texts(params["From"]) == ["probe"]


async def test_twilio_api_failure_is_logged_without_traceback(tiny_agent, store, caplog):
    broken = channel(type("Down", (), {"url": "http://127.0.0.1:9"})(), store)
    async with rasa_channel_server(tiny_agent, [broken]) as base:
        async with aiohttp.ClientSession() as http:
            params = form(new_phone(), "hello")
            async with http.post(
                f"{base}/webhooks/twilio/webhook",
                data=urlencode(params).encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature(params),
                },
            ) as answer:
                assert answer.status == 200
    assert any("Twilio API unreachable" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info]


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "env-token")
    monkeypatch.setenv("TWILIO_NUMBER", NUMBER)
    monkeypatch.setenv("TWILIO_WEBHOOK_URL", PUBLIC_URL)
    monkeypatch.setenv("TWILIO_API_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("SMS_STORE_URL", f"sqlite:///{tmp_path}/env-sms.sqlite3")
    sms = TwilioSignedInput.from_credentials(None)
    assert sms.configured and sms.auth_token == "env-token" and sms.webhook_url == PUBLIC_URL
    output = sms.get_output_channel()
    assert output.api.base_url == "http://127.0.0.1:9"
    assert output.messages._uri.startswith(f"/Accounts/{ACCOUNT_SID}")
    assert sms.store.url.endswith("env-sms.sqlite3")


@pytest.mark.parametrize(
    "text, limit, expected",
    [
        ("short", 1600, ["short"]),
        ("One. Two. Three.", 10, ["One. Two.", "Three."]),
        ("line one\nline two\nline three", 20, ["line one\nline two", "line three"]),
        ("para one.\n\npara two is longer", 22, ["para one.", "para two is longer"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
    ],
)
def test_split_message(text, limit, expected):
    assert split_message(text, limit) == expected


async def test_the_phone_number_is_not_the_conversation_id_and_replies_still_reach_it(sms, stand_in):
    """Issue 14: the SMS conversation id was the phone number, so a REST or socket.io client
    sending that number continued the conversation; now it is a keyed pseudonym."""
    sender = new_phone()
    await sms.say(sender, "hello")
    await stand_in.wait_for(1)
    assert await sms.agent.tracker_store.retrieve(sender) is None  # no tracker named after the number
    conversation_id = sms_conversation_id(sender)
    assert sender.lstrip("+") not in conversation_id
    assert [e.text for e in await sms.user_events(sender)] == ["hello"]
    # a message sent later to the conversation (as a staff agent's reply is) reaches the number
    out = sms_channel_output(sms)
    await out.send_text_message(conversation_id, "An agent writes.")
    await stand_in.wait_for(2)
    assert sms.sent_to(sender)[-1] == "An agent writes."


def sms_channel_output(sms):
    from bot.channels.twilio_signed import TwilioSignedOutput

    return TwilioSignedOutput(ACCOUNT_SID, AUTH_TOKEN, NUMBER, api_url=sms.stand_in.url, store=sms.store)


async def test_a_too_long_sms_gets_a_clear_answer_and_never_reaches_the_assistant(sms, stand_in):
    sender = new_phone()
    await sms.say(sender, "x" * 5000)
    posted = await stand_in.wait_for(1)
    assert "too long" in posted[0]["body"]["Body"] and posted[0]["body"]["To"] == sender
    assert await sms.user_events(sender) == []


async def test_a_signed_message_without_message_sid_is_handled_once(sms, stand_in, caplog):
    sender = new_phone()
    params = {k: v for k, v in form(sender, "hello").items() if k not in ("MessageSid", "SmsMessageSid")}
    assert (await sms.post(params))[0] == 200
    await stand_in.wait_for(1)
    assert (await sms.post(params))[0] == 200  # replayed
    assert len(await sms.probe(sender)) == 2  # hello's answer and the probe's
    assert await sms.texts(sender) == ["hello", "probe"]
    assert not tracebacks(caplog)
