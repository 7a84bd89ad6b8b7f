"""The replicated deployment end to end: two replicas of the backend, the action server and the
Rasa server behind HAProxy (the configuration ``make scale`` writes, scripts/scale.py), on
PostgreSQL, Redis and RabbitMQ; 200 customers cancelling at once over REST and socket.io
(devstack/scenario.py's conversation), a staff reply pushed into some socket.io chats through the
balancer; one replica of each process killed mid-run and restarted.

Asserted: every customer's conversation ends with the backend state the customer was told (a
confirmation number told is a request filed for that account with that number; no number told,
nothing filed), nothing filed twice, no conversation left paused, every staff reply delivered once.
Customers do what the assistant asks them to: after an error (a replica died under their request)
they send the same message again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import uuid
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
import socketio
import sqlalchemy as sa

from actions.messages import FILING_UNANSWERED, UNAVAILABLE
from bot.rasa_action_failures import ACTION_FAILED_TEXT
from devstack.conversation import CONFIRMATION
from devstack.replicated import Replicated, haproxy, replicated_stack
from devstack.scenario import account_number, cancellation
from devstack.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.rabbitmq]

CUSTOMERS = 200
SOCKETIO_SHARE = 4  # every 4th customer uses the widget's socket.io, the rest REST
STAFF_SHARE = 3  # every 3rd socket.io customer gets a staff reply pushed during the chat
RETRIES = 6
# The widget's socket.io client reconnects on its own, without limit (1 to 10 s apart); a
# customer waits this long for it before closing the page.
CONNECT_PATIENCE_S = 120


class GaveUp(Exception):
    """The customer could not reach the assistant after all retries (and closed the page)."""


class Outcome:
    def __init__(self, n: int, channel: str) -> None:
        self.n = n
        self.channel = channel
        self.told: set = set()
        self.errors = 0
        self.staff_expected: List[str] = []
        self.staff_received: List[str] = []
        self.sender: Optional[str] = None
        self.gave_up = False
        self.trace: List[str] = []  # what this customer did and saw, printed when it went wrong

    def note(self, what: str) -> None:
        self.trace.append(f"{time.monotonic() % 1000:7.1f} {what}")


def _told(outcome: Outcome, messages: List[dict]) -> List[dict]:
    """Record the confirmation numbers the assistant gave (not the format it shows as an example
    when asking for one)."""
    for message in messages:
        text = message.get("text") or ""
        if "Confirmation number:" in text:
            outcome.told.update(CONFIRMATION.findall(text))
    outcome.note("got " + " | ".join((m.get("text") or "?")[:60] for m in messages))
    return messages


# What the assistant says when a process it needs did not answer; each asks the customer to send
# it again ("try again", 'say "yes" in a minute'), which the simulated customers do.
TRY_AGAIN = (ACTION_FAILED_TEXT, FILING_UNANSWERED, UNAVAILABLE)


def _failed(messages: List[dict]) -> bool:
    return any(answer in (m.get("text") or "") for m in messages for answer in TRY_AGAIN)


async def _rest_customer(http: aiohttp.ClientSession, stack: Stack, outcome: Outcome) -> None:
    sender = f"scale-rest-{outcome.n}-{uuid.uuid4().hex[:6]}"
    outcome.sender = sender

    async def say(text: str) -> List[dict]:
        for _ in range(RETRIES):
            outcome.note(f"say {text}")
            try:
                async with http.post(
                    f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
                ) as answer:
                    if answer.status == 200:
                        messages = _told(outcome, await answer.json())
                        if not _failed(messages):
                            return messages
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                outcome.note(f"failed: {error!r}")
            outcome.errors += 1
            await asyncio.sleep(2)  # "please try again": the customer sends it again
        return []

    await cancellation(say, outcome.n)


async def _socketio_customer(stack: Stack, outcome: Outcome, token: str) -> None:
    confirmed: asyncio.Queue = asyncio.Queue()
    inbox: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    session: Optional[str] = None
    seen: set = set()
    seen_ts: set = set()  # ``ts`` of every assistant message received (its stored event's time)
    last_seen: List[float] = [0.0, 0]  # ts and part of the last message shown

    def received(message: dict) -> None:
        """As the widget does (backend/web/src/widget.js): a message whose id was already shown
        (sent live and again after a reconnect) is dropped; the newest ``ts`` is kept."""
        if isinstance(message, dict) and isinstance(message.get("id"), str):
            if message["id"] in seen:
                return
            seen.add(message["id"])
            if isinstance(message.get("ts"), (int, float)):
                seen_ts.add(float(message["ts"]))
            ts, part = float(message.get("ts") or 0), int(message.get("part") or 0)
            if ts > last_seen[0]:
                last_seen[:] = [ts, part]
            elif ts == last_seen[0]:
                last_seen[1] = max(last_seen[1], part)
        inbox.put_nowait(message)

    async def connect() -> None:
        """Connect (again, with a new client) and bring the session id back with the last
        message seen, as the widget does after a reload or a lost connection."""
        nonlocal client, session
        deadline = time.monotonic() + CONNECT_PATIENCE_S
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                await client.disconnect()
            client = socketio.AsyncClient(reconnection=False)
            outcome.note(f"connect (last_seen {last_seen[0]:.3f}/{last_seen[1]})")
            client.on("session_confirm", confirmed.put_nowait)
            client.on("bot_uttered", received)
            try:
                await client.connect(stack.rasa_url, transports=["websocket"], wait_timeout=20)
                request: dict = {"session_id": session}
                if session:
                    request.update(last_seen=last_seen[0], last_part=last_seen[1])
                await client.emit("session_request", request)
                session = await asyncio.wait_for(confirmed.get(), 60)
                return
            except (socketio.exceptions.SocketIOError, ValueError, asyncio.TimeoutError) as error:
                outcome.note(f"connect failed: {error!r}")
                outcome.errors += 1
                await asyncio.sleep(2)
        outcome.note("gave up connecting")
        raise GaveUp("could not connect")

    def is_staff(message: dict) -> bool:
        # Rasa's socket.io output sends buttons as quick_replies (the widget shows them as buttons)
        if "quick_replies" in message:
            message["buttons"] = message["quick_replies"]
        if (message.get("text") or "").startswith("Staff reply "):
            outcome.staff_received.append(message["text"])
            return True
        return False

    async def turn_done(http: aiohttp.ClientSession, sent_at: float) -> bool:
        """True once the stored conversation shows a turn finished after ``sent_at`` (the
        assistant listens again; Rasa stores a turn at its end) and every assistant message
        stored since then has reached this socket. The socket gives no end-of-turn signal, and
        its messages travel through the client manager (Redis): under load they can arrive
        seconds after the turn was stored, and a customer must not answer before they did."""
        try:
            async with http.get(
                f"{stack.rasa_url}/conversations/{session}/tracker",
                params={"token": token, "include_events": "AFTER_RESTART"},
            ) as answer:
                body = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return False
        if not (
            isinstance(body, dict)
            and body.get("latest_action_name") == "action_listen"
            and (body.get("latest_event_time") or 0) > sent_at
        ):
            return False
        stored = {
            float(event["timestamp"])
            for event in body.get("events") or []
            if event.get("event") == "bot"
            and (event.get("timestamp") or 0) > sent_at
            and (event.get("text") or any((event.get("data") or {}).values()))
        }
        return stored <= seen_ts

    async def collect(sent_at: float, first_timeout: float = 300) -> List[dict]:
        """The bot's messages of the turn sent at ``sent_at`` (staff replies pushed meanwhile
        are recorded apart)."""
        messages: List[dict] = []
        deadline = time.monotonic() + first_timeout

        def drain() -> None:
            while not inbox.empty():
                message = inbox.get_nowait()
                if not is_staff(message):
                    messages.append(message)

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            while time.monotonic() < deadline:
                await asyncio.sleep(1)
                drain()
                if messages and await turn_done(http, sent_at):
                    drain()
                    return messages
                if not client.connected:  # the replica holding the socket died
                    outcome.note(f"socket lost, {len(messages)} messages so far")
                    # the widget reconnects at once; what the dead replica stored but never
                    # sent comes back (after last_seen) if the turn was stored, else it is
                    # sent again by the customer
                    with contextlib.suppress(GaveUp):
                        await connect()
                    if await turn_done(http, sent_at):
                        await asyncio.sleep(1)
                    drain()
                    return messages
        outcome.note(f"turn not finished after {first_timeout:.0f} s")
        return messages

    async def say(text: str) -> List[dict]:
        for _ in range(RETRIES):
            try:
                if not client.connected:  # the replica holding the socket died: reconnect
                    await connect()
                sent_at = time.time()
                outcome.note(f"say {text}")
                await client.emit("user_uttered", {"message": text})
            except socketio.exceptions.SocketIOError as error:
                outcome.note(f"emit failed: {error!r}")
                outcome.errors += 1
                await asyncio.sleep(2)
                continue
            messages = _told(outcome, await collect(sent_at))
            if messages and not _failed(messages):
                return messages
            outcome.errors += 1
            await asyncio.sleep(2)
        return []

    await connect()
    outcome.sender = session
    if outcome.n % (SOCKETIO_SHARE * STAFF_SHARE) == 0 and session:
        await say("hi")
        await _staff_reply(stack, token, session, outcome)
    await cancellation(say, outcome.n)
    await asyncio.sleep(1)  # anything re-sent after the last turn is shown too
    while not inbox.empty():
        message = inbox.get_nowait()
        if not is_staff(message):
            _told(outcome, [message])
    with contextlib.suppress(Exception):
        await client.disconnect()


async def _staff_reply(stack: Stack, token: str, session: str, outcome: Outcome) -> None:
    """What the backend does when an agent takes over and answers (backend/handoff/rasa.py), through
    the balancer: pause, the agent's message pushed to the customer's channel, resume."""
    text = f"Staff reply {outcome.n} {uuid.uuid4().hex[:6]}"
    outcome.staff_expected.append(text)
    base = f"{stack.rasa_url}/conversations/{session}/tracker/events"

    async def already_stored(http: aiohttp.ClientSession) -> bool:
        """A send whose answer was lost (a replica killed after storing it) is not sent again:
        the agent's console would show the message sent, not a second copy."""
        try:
            async with http.get(
                f"{stack.rasa_url}/conversations/{session}/tracker", params={"token": token}
            ) as answer:
                body = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return False
        events = body.get("events") if isinstance(body, dict) else None
        return any(e.get("event") == "bot" and e.get("text") == text for e in events or [])

    async with aiohttp.ClientSession() as http:
        for events, params in (
            ([{"event": "pause"}], {}),
            ([{"event": "bot", "text": text}], {"output_channel": "latest", "execute_side_effects": "true"}),
            ([{"event": "resume"}], {}),
        ):
            for attempt in range(RETRIES):
                if attempt and events[0]["event"] == "bot" and await already_stored(http):
                    break
                try:
                    async with http.post(base, params={"token": token, **params}, json=events) as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(2)


@pytest.fixture
def replicated(trained_model, tmp_path):
    if haproxy() is None:
        pytest.skip("needs HAProxy (make haproxy installs the distribution's package)")
    with replicated_stack(
        tmp_path,
        trained_model,
        postgres_url=os.environ["TEST_POSTGRES_URL"],
        redis_url=os.environ["TEST_REDIS_URL"],
        amqp_url=os.environ["TEST_RABBITMQ_URL"],
        replicas=2,
        customers=CUSTOMERS,
    ) as running:
        yield running


async def _run(replicated: Replicated) -> List[Outcome]:
    stack = replicated.stack
    outcomes = [Outcome(n, "socketio" if n % SOCKETIO_SHARE == 0 else "rest") for n in range(CUSTOMERS)]
    timeout = aiohttp.ClientTimeout(total=600)  # slow is not an error: a dead replica gives 502
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=0), headers=stack.rest_headers()
    ) as http:

        async def customer(outcome: Outcome) -> None:
            await asyncio.sleep(random.uniform(0, 10))  # customers arrive over 10 s
            try:
                if outcome.channel == "rest":
                    await _rest_customer(http, stack, outcome)
                else:
                    await _socketio_customer(stack, outcome, stack.rasa_token)
            except GaveUp:
                outcome.gave_up = True

        async def chaos() -> None:
            await asyncio.sleep(25)
            victims = ["rasa1", "actions1", "backend1"]
            for name in victims:
                replicated.kill(name)
            await asyncio.sleep(3)
            for name in victims:
                replicated.spawn(name)

        tasks = [asyncio.ensure_future(customer(o)) for o in outcomes]
        await asyncio.gather(chaos(), *tasks, return_exceptions=False)
    return outcomes


def test_200_conversations_on_two_replicas_with_one_of_each_killed(replicated):
    started = time.monotonic()
    outcomes = asyncio.run(_run(replicated))
    elapsed = time.monotonic() - started
    stack = replicated.stack
    # the killed replicas came back
    replicated.wait_up(["rasa1", "actions1", "backend1"])

    engine = sa.create_engine(stack.env["DATABASE_URL"], future=True)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.account_number, r.confirmation_number FROM cancellation_requests r "
                "JOIN accounts a ON a.id = r.account_id WHERE r.status = 'received'"
            )
        ).all()
    engine.dispose()
    filed: Dict[str, List[str]] = {}
    for account, number in rows:
        filed.setdefault(account, []).append(number)

    completed = sum(1 for o in outcomes if o.told)
    errors = sum(o.errors for o in outcomes)
    print(
        f"\n{CUSTOMERS} conversations in {elapsed:.0f} s: {completed} told a confirmation number, "
        f"{sum(len(n) for n in filed.values())} filed, {errors} turns sent again after an error, "
        f"{sum(o.gave_up for o in outcomes)} gave up"
    )
    twice = {a: n for a, n in filed.items() if len(n) > 1}
    assert not twice, f"filed twice: {twice}"
    mismatched = []
    for outcome in outcomes:
        backend = set(filed.get(account_number(outcome.n), []))
        if outcome.told != backend:
            mismatched.append((outcome.n, outcome.channel, sorted(outcome.told), sorted(backend)))
    gave_up = [o.n for o in outcomes if o.gave_up]
    for n in [m[0] for m in mismatched[:10]] + gave_up[:3]:
        print(f"\ncustomer {n} ({outcomes[n].channel}), told {sorted(outcomes[n].told)}:")
        print("\n".join("    " + line for line in outcomes[n].trace))
    assert not mismatched, f"told vs filed differ for {len(mismatched)}: {mismatched[:10]}"
    # the kills may cost a few customers their cancellation (told nothing, nothing filed), not more
    by_channel = {c: sum(1 for o in outcomes if o.channel == c and o.told) for c in ("rest", "socketio")}
    assert completed >= CUSTOMERS * 0.9, f"only {completed} of {CUSTOMERS} completed: {by_channel}"

    staff = [o for o in outcomes if o.staff_expected and not o.gave_up]
    assert staff
    for outcome in staff:
        assert outcome.staff_received == outcome.staff_expected, (outcome.n, outcome.staff_received)

    async def paused() -> List[str]:
        async with aiohttp.ClientSession() as http:
            found = []
            for outcome in outcomes:
                if outcome.sender is None:
                    continue
                async with http.get(
                    f"{stack.rasa_url}/conversations/{outcome.sender}/tracker",
                    params={"token": stack.rasa_token, "include_events": "NONE"},
                ) as answer:
                    body: Any = await answer.json()
                    if body.get("paused"):
                        found.append(outcome.sender)
            return found

    assert asyncio.run(paused()) == []
