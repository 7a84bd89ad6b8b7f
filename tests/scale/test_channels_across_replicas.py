"""Two real Rasa processes (replicas) sharing Redis, one tracker database and one SMS store
(PostgreSQL), with
no stickiness: what one replica receives or sends must be right whichever replica handles the
next request (bot/channels/replicas.py, docs/deployment.md).

- a staff reply appended through replica B reaches the widget whose socket is held by replica A,
  exactly once (python-socketio's client manager on Redis, then on RabbitMQ);
- a bot message stored while the customer's socket was away is re-sent, once and in order, when
  the widget reconnects to the other replica saying the last message it saw; what it saw is not
  re-sent, and a replayed message has the id it had live (the widget drops it as a duplicate);
- the same Slack event delivered to both replicas at once is answered once (ids in Redis);
- the same Twilio message delivered to both replicas at once is answered once (SMS store).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List
from urllib.parse import urlencode, urlparse

import aiohttp
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from devstack.stack import ROOT, free_port, http_json
from devstack.vendors import VendorStandIn, vendor_env
from tests.channels.test_rest_and_socketio_identity import Widget
from tests.channels.test_slack import SECRET, TOKEN, message_event, new_user, sign

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]
BIN = Path(sys.executable).parent


class Replicas:
    """``count`` ``rasa run`` processes of one model with shared stores, on free ports."""

    def __init__(self, workdir: Path, model: Path, env: Dict[str, str], count: int = 2) -> None:
        self.workdir = workdir
        self.token = uuid.uuid4().hex
        self.ports = [free_port() for _ in range(count)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        redis = urlparse(env["REDIS_URL"])
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(
            textwrap.dedent(
                f"""
                tracker_store:
                  type: SQL
                  dialect: sqlite
                  db: {workdir / "tracker.sqlite3"}
                lock_store:
                  type: redis
                  url: {redis.hostname}
                  port: {redis.port or 6379}
                  db: {(redis.path or "/0").strip("/") or "0"}
                  key_prefix: {env["REDIS_KEY_PREFIX"]}
                """
            )
        )
        credentials = workdir / "credentials.yml"
        credentials.write_text(
            textwrap.dedent(
                """
                bot.channels.socketio.SignedSocketIOInput:
                  user_message_evt: user_uttered
                  bot_message_evt: bot_uttered
                  session_persistence: true
                bot.channels.slack.SecureSlackInput:
                bot.channels.twilio_signed.TwilioSignedInput:
                """
            )
        )
        self.processes: List[subprocess.Popen] = []
        for n, port in enumerate(self.ports):
            log = open(workdir / f"rasa{n}.log", "ab")
            self.processes.append(
                subprocess.Popen(
                    [
                        str(BIN / "rasa"),
                        "run",
                        "--enable-api",
                        f"--auth-token={self.token}",
                        "--interface",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--model",
                        str(model),
                        "--endpoints",
                        str(endpoints),
                        "--credentials",
                        str(credentials),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        for n, url in enumerate(self.urls):
            while True:
                if self.processes[n].poll() is not None:
                    raise RuntimeError((self.workdir / f"rasa{n}.log").read_text()[-3000:])
                try:
                    status, body = http_json("GET", f"{url}/status?token={self.token}", timeout=2)
                    if status == 200 and isinstance(body, dict) and body.get("model_id"):
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica {n} did not start")
                time.sleep(0.3)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def sms_store_url():
    """The SMS/Slack store in its own PostgreSQL schema, as the replicas of a deployment share it."""
    schema = f"test_scale_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(os.environ["TEST_POSTGRES_URL"], future=True)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield (
        make_url(os.environ["TEST_POSTGRES_URL"])
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


def _start(
    tmp_path: Path, model: Path, manager_url: str, store_url: str
) -> tuple[Replicas, VendorStandIn, Dict[str, str]]:
    vendors = VendorStandIn(free_port()).start()
    # Twilio signs the public URL: the same on every replica (the load balancer's)
    env = {
        **os.environ,
        **vendor_env(vendors.url, "http://lb.invalid", str(tmp_path)),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "CONVERSATION_ID_SECRET": uuid.uuid4().hex,
        "SMS_STORE_URL": store_url,
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "SOCKETIO_MANAGER_URL": manager_url,
        "REDIS_KEY_PREFIX": f"test_scale_{uuid.uuid4().hex[:10]}",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }
    replicas = Replicas(tmp_path, model, env)
    try:
        replicas.wait_ready()
    except Exception:
        replicas.stop()
        vendors.stop()
        raise
    return replicas, vendors, env


@pytest.fixture(scope="module")
def redis_replicas(tiny_model, tmp_path_factory, sms_store_url):
    replicas, vendors, env = _start(
        tmp_path_factory.mktemp("replicas"), tiny_model, os.environ["TEST_REDIS_URL"], sms_store_url
    )
    yield replicas, vendors, env
    replicas.stop()
    vendors.stop()


async def _staff_replies_reach_the_socket_on_the_other_replica(replicas: Replicas) -> None:
    holder, other = replicas.urls
    async with Widget(holder) as widget:
        session = await widget.session(None)
        assert (await widget.say("hello"))["text"] == "Hello from the test bot."
        replies = [f"Agent Alex here, reply {n} ({uuid.uuid4().hex[:6]})" for n in range(3)]
        async with aiohttp.ClientSession() as http:
            for text in replies:
                # what the backend does for a staff reply (backend/handoff/rasa.py), through replica B
                async with http.post(
                    f"{other}/conversations/{session}/tracker/events",
                    params={
                        "token": replicas.token,
                        "output_channel": "latest",
                        "execute_side_effects": "true",
                    },
                    json=[{"event": "bot", "text": text}],
                ) as answer:
                    assert answer.status == 200, await answer.text()
        received = [(await asyncio.wait_for(widget.bot.get(), 20))["text"] for _ in replies]
        assert received == replies
        # once each: the next thing on the socket is the answer to the customer's next message
        assert (await widget.say("hello"))["text"] == "Hello from the test bot."


async def test_a_staff_reply_through_another_replica_reaches_the_socket_once(redis_replicas):
    await _staff_replies_reach_the_socket_on_the_other_replica(redis_replicas[0])


@pytest.mark.rabbitmq
async def test_the_socketio_manager_can_be_rabbitmq(tiny_model, tmp_path, sms_store_url):
    replicas, vendors, _ = _start(tmp_path, tiny_model, os.environ["TEST_RABBITMQ_URL"], sms_store_url)
    try:
        await _staff_replies_reach_the_socket_on_the_other_replica(replicas)
    finally:
        replicas.stop()
        vendors.stop()


async def _request_session(widget: Widget, session_id, since, part=None) -> str:
    """The widget's ``session_request`` on (re)connect, with the last message it saw."""
    request = {"session_id": session_id, "last_seen": since}
    if part is not None:
        request["last_part"] = part
    await widget.client.emit("session_request", request)
    return await asyncio.wait_for(widget.confirmed.get(), 20)


async def _next_is_the_answer(widget: Widget) -> dict:
    """The next thing on the socket is the answer to the customer's next message: nothing else
    (no replayed or duplicate message) came before it."""
    answer = await widget.say("hello")
    assert answer["text"] == "Hello from the test bot."
    return answer


async def _store_staff_replies(replicas: Replicas, url: str, session: str, texts: List[str]) -> None:
    async with aiohttp.ClientSession() as http:
        for text in texts:
            async with http.post(
                f"{url}/conversations/{session}/tracker/events",
                params={"token": replicas.token, "output_channel": "latest", "execute_side_effects": "true"},
                json=[{"event": "bot", "text": text}],
            ) as answer:
                assert answer.status == 200, await answer.text()


async def _bot_events_stored(replicas: Replicas, session: str, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            url = f"{replicas.urls[0]}/conversations/{session}/tracker"
            async with http.get(url, params={"token": replicas.token}) as answer:
                events = (await answer.json())["events"]
            if sum(event["event"] == "bot" for event in events) >= count:
                return
            assert time.monotonic() < deadline, "the conversation's turns were not stored"
            await asyncio.sleep(0.2)


async def test_messages_stored_while_the_socket_was_away_are_sent_on_reconnect_once(redis_replicas):
    replicas = redis_replicas[0]
    first, second = replicas.urls
    async with Widget(first) as widget:
        session = await widget.session(None)
        answer = await widget.say("hello")
        assert answer["text"] == "Hello from the test bot." and answer["id"] and answer["ts"] > 0
    # the customer's socket is gone (its replica died); staff replies are stored meanwhile
    missed = [f"Agent Alex here, while you were away {n} ({uuid.uuid4().hex[:6]})" for n in range(2)]
    await _store_staff_replies(replicas, second, session, missed)

    async with Widget(second) as widget:  # the widget reconnects, through the other replica
        assert await _request_session(widget, session, answer["ts"]) == session
        replayed = [await asyncio.wait_for(widget.bot.get(), 20) for _ in missed]
        assert [message["text"] for message in replayed] == missed
        assert len({message["id"] for message in replayed}) == 2
        last = (await _next_is_the_answer(widget))["ts"]
        assert last > replayed[-1]["ts"]

    async with Widget(first) as widget:  # everything seen: nothing is re-sent
        assert await _request_session(widget, session, last) == session
        assert (await _next_is_the_answer(widget))["ts"] > last  # the new answer, not a replay

    await _bot_events_stored(replicas, session, 4)  # the last answer went out before it was stored
    async with Widget(second) as widget:  # seen nothing yet: all, with the ids they had live
        assert await _request_session(widget, session, 0) == session
        everything = [await asyncio.wait_for(widget.bot.get(), 20) for _ in range(5)]
        assert [m["text"] for m in everything] == [answer["text"], *missed, answer["text"], answer["text"]]
        assert everything[0]["id"] == answer["id"]
        assert [m["id"] for m in everything[1:3]] == [m["id"] for m in replayed]
        await _next_is_the_answer(widget)


async def test_a_message_cut_off_after_its_first_part_is_completed_on_reconnect(redis_replicas):
    replicas = redis_replicas[0]
    first, second = replicas.urls
    reply = "Agent Alex here: your refund is approved.\n\nIt reaches your card within 5 days."
    async with Widget(first) as widget:
        session = await widget.session(None)
        await widget.say("hello")
        await _store_staff_replies(replicas, second, session, [reply])
        one, two = [await asyncio.wait_for(widget.bot.get(), 20) for _ in range(2)]
        assert (one["part"], two["part"]) == (1, 2) and one["ts"] == two["ts"]
    async with Widget(second) as widget:  # the socket was lost after the first part
        assert await _request_session(widget, session, one["ts"], part=1) == session
        resent = await asyncio.wait_for(widget.bot.get(), 20)
        assert (resent["text"], resent["id"]) == ("It reaches your card within 5 days.", two["id"])
        await _next_is_the_answer(widget)


async def test_missed_messages_go_only_to_the_owner_of_the_signed_session(redis_replicas):
    replicas = redis_replicas[0]
    first, second = replicas.urls
    async with Widget(first) as widget:
        session = await widget.session(None)
        await widget.say("hello")
    await _store_staff_replies(replicas, second, session, ["Agent Alex here: your refund is on its way."])
    random_part, signature = session.split(".")
    for forged in (random_part, f"{random_part}.{'0' * len(signature)}", f"{random_part}x.{signature}"):
        async with Widget(second) as widget:
            confirmed = await _request_session(widget, forged, 0)
            assert confirmed not in (session, forged)
            await _next_is_the_answer(widget)  # nothing of the other conversation came first


async def test_one_slack_event_delivered_to_both_replicas_is_answered_once(redis_replicas):
    replicas, vendors, _ = redis_replicas
    user = new_user()
    body = message_event("hello", user)
    async with aiohttp.ClientSession() as http:

        async def deliver(url: str, event: bytes, retry: bool) -> int:
            headers = {**sign(event), "Content-Type": "application/json"}
            if retry:
                headers.update({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
            async with http.post(f"{url}/webhooks/slack/webhook", data=event, headers=headers) as answer:
                return answer.status

        # Slack's first delivery and its retries, on both replicas at once
        statuses = await asyncio.gather(
            *(deliver(url, body, n > 0) for n, url in enumerate(replicas.urls * 2))
        )
        assert statuses == [200] * 4
        # the customer's next message: its answer comes after any duplicate of the first
        assert await deliver(replicas.urls[1], message_event("yes", user), False) == 200
    posts = vendors.wait(lambda: "You chose yes." in vendors.slack_posts(f"D{user}"), 60)
    assert posts
    assert vendors.slack_posts(f"D{user}") == ["Hello from the test bot.", "You chose yes."]


async def test_one_sms_delivered_to_both_replicas_is_answered_once(redis_replicas):
    replicas, vendors, env = redis_replicas
    phone = f"+1555{uuid.uuid4().int % 10**7:07d}"
    sid = "SM" + uuid.uuid4().hex
    loop = asyncio.get_running_loop()
    statuses = await asyncio.gather(
        *(
            loop.run_in_executor(None, _post_sms_to, url, env, phone, "hello", sid)
            for url in replicas.urls * 2
        )
    )
    assert statuses == [200] * 4
    await loop.run_in_executor(
        None, _post_sms_to, replicas.urls[0], env, phone, "yes", "SM" + uuid.uuid4().hex
    )
    assert vendors.wait(lambda: "You chose yes." in vendors.sms_to(phone), 60)
    assert vendors.sms_to(phone) == ["Hello from the test bot.", "You chose yes."]


def _post_sms_to(url: str, env: Dict[str, str], phone: str, text: str, sid: str) -> int:
    """A signed Twilio webhook sent to one replica (the signature covers the public URL, the same
    for every replica: the load balancer's)."""
    params = {
        "MessageSid": sid,
        "AccountSid": env["TWILIO_ACCOUNT_SID"],
        "From": phone,
        "To": env["TWILIO_NUMBER"],
        "Body": text,
        "NumMedia": "0",
    }
    signature = RequestValidator(env["TWILIO_AUTH_TOKEN"]).compute_signature(
        env["TWILIO_WEBHOOK_URL"], params
    )
    request = urllib.request.Request(
        f"{url}/webhooks/twilio/webhook",
        data=urlencode(params).encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status
