"""Two real backend processes (`cancel-backend serve`, as two replicas behind the load balancer)
sharing one PostgreSQL database and one Redis: a staff console following `GET /console/api/events`
on replica B hears every change made through replica A (a chat queued, taken, answered, the
customer's new message), and a console on A hears the customer typing through B; each event once,
in order, with nothing but `{type, id}` (backend/handoff/live.py, docs/deployment.md).

Rasa's HTTP API is an in-memory stand-in (tests/handoff/conftest.py): the backend's calls to it are
what the test is not about."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from devstack.postgres import migrated_postgres_schema
from devstack.stack import free_port, start_backend, stop
from tests.handoff.conftest import RASA_TOKEN, Console, RasaStandIn

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

AGENT = ("alex", "alex-demo-password")  # backend/demo_data.yml, docs/fixtures.md
SUPERVISOR = ("sam", "sam-demo-password")
WAIT = 30.0  # seconds an awaited event may take before the test fails (never asserted on)
TOKEN = "live-replicas-" + secrets.token_hex(8)


class Replica:
    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url, self.process = url, process


@pytest.fixture
async def replicas(tmp_path: Path):
    """Backends A and B on one database schema and one Redis channel prefix of their own."""
    rasa = RasaStandIn()
    rasa_server = TestServer(rasa.app())
    await rasa_server.start_server()
    prefix = f"test_live_{uuid.uuid4().hex[:8]}"
    started: List[Replica] = []
    with migrated_postgres_schema(os.environ["TEST_POSTGRES_URL"], "t_live_") as db_url:
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "BACKEND_SERVICE_TOKEN": TOKEN,
            "IDENTIFIER_HASH_KEY": "live-replicas-identifier-key",
            "RASA_URL": str(rasa_server.make_url("")).rstrip("/"),
            "RASA_TOKEN": RASA_TOKEN,
            "REDIS_URL": os.environ["TEST_REDIS_URL"],
            "REDIS_KEY_PREFIX": prefix,
            "SMTP_HOST": "",
            "PYTHONUNBUFFERED": "1",
        }
        try:
            for name in ("a", "b"):
                port = free_port()
                log = (tmp_path / f"backend-{name}.log").open("wb")
                process = await asyncio.to_thread(
                    start_backend, env, port, stdout=log, stderr=subprocess.STDOUT
                )
                started.append(Replica(f"http://127.0.0.1:{port}", process))
            yield started, prefix
        finally:
            for replica in started:
                await asyncio.to_thread(stop, replica.process)
            await rasa_server.close()


async def next_event(stream: aiohttp.ClientResponse) -> Tuple[str, Dict[str, Any]]:
    """The next server-sent event of `stream` (keep-alive comments skipped)."""
    kind = None
    while True:
        line = (await asyncio.wait_for(stream.content.readline(), WAIT)).decode().strip()
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind:
            return kind, json.loads(line[6:])


async def next_events(stream: aiohttp.ClientResponse, count: int) -> List[Tuple[str, Dict[str, Any]]]:
    return [await next_event(stream) for _ in range(count)]


async def service_post(http: aiohttp.ClientSession, url: str, body: Dict[str, Any]) -> Dict[str, Any]:
    async with http.post(url, json=body, headers={"Authorization": f"Bearer {TOKEN}"}) as answer:
        assert answer.status in (200, 201), await answer.text()
        return await answer.json()


async def test_a_console_on_one_replica_hears_what_goes_through_the_other_once_in_order(replicas):
    import redis.asyncio

    (a, b), prefix = replicas
    # Both consoles sign in once (through A); their sessions are in the shared database, so the
    # balancer may send any of their requests to either replica.
    agent, supervisor = Console(a.url), Console(a.url)
    client = redis.asyncio.Redis.from_url(os.environ["TEST_REDIS_URL"])
    channel = client.pubsub()
    try:
        assert (await agent.login(*AGENT)).status == 200
        assert (await supervisor.login(*SUPERVISOR)).status == 200
        # what crosses Redis, to know when everything published so far is on the channel
        await channel.subscribe(f"{prefix}:console_events")
        async with (
            supervisor.http.get(b.url + "/console/api/events") as on_b,
            agent.http.get(a.url + "/console/api/events") as on_a,
            aiohttp.ClientSession() as widget_and_rasa,
        ):
            assert on_b.status == 200 and on_a.status == 200
            assert (await next_event(on_b))[0] == "ready" and (await next_event(on_a))[0] == "ready"

            # through A: queued (the action server), taken and answered (the agent), the customer
            # wrote (Rasa's tracker store notice)
            cid = "live-" + secrets.token_hex(4)
            queued = await service_post(
                widget_and_rasa,
                a.url + "/api/v1/handoffs",
                {"conversation_id": cid, "reason": "customer_request", "channel": "socketio"},
            )
            hid = queued["handoff"]["id"]
            assert (await agent.post(f"/console/handoffs/{hid}/take", json={}))[0] == 200
            status, body, _ = await agent.post(
                f"/console/handoffs/{hid}/reply", json={"text": "Hi, Alex here."}
            )
            assert status == 200, body
            activity = a.url + "/api/v1/handoffs/activity"
            assert await service_post(widget_and_rasa, activity, {"conversation_id": cid}) == {
                "open_handoff": hid
            }
            # through B: the customer types (the widget)
            async with widget_and_rasa.post(
                b.url + "/widget/v1/typing", json={"conversation_id": cid}
            ) as typing:
                assert typing.status == 200

            # all five are on the channel: four from A, one from B
            origins: List[str] = []
            while len(origins) < 5:
                message = await channel.get_message(timeout=WAIT)
                assert message is not None, f"only {len(origins)} events crossed Redis"
                if message["type"] == "message":
                    origins.append(json.loads(message["data"])["origin"])
            assert len(set(origins[:4])) == 1 and origins[4] != origins[0]

            # Markers: an event from A reaches B through Redis after everything the channel carried
            # before it, so an echo of B's own typing would show up before it; likewise for A.
            assert await service_post(widget_and_rasa, activity, {"conversation_id": cid}) == {
                "open_handoff": hid
            }
            expected = [
                ("queue", {"type": "queue", "id": hid}),  # queued
                ("queue", {"type": "queue", "id": hid}),  # taken
                ("queue", {"type": "queue", "id": hid}),  # answered
                ("chat", {"type": "chat", "id": hid}),  # the customer wrote
                ("typing", {"type": "typing", "id": hid}),  # the customer types
                ("chat", {"type": "chat", "id": hid}),  # marker from A
            ]
            assert await next_events(on_b, len(expected)) == expected
            async with widget_and_rasa.post(
                b.url + "/widget/v1/typing", json={"conversation_id": cid}
            ) as typing:
                assert typing.status == 200
            expected.append(("typing", {"type": "typing", "id": hid}))  # marker from B
            assert await next_events(on_a, len(expected)) == expected
    finally:
        await channel.reset()
        await client.close()
        await agent.close()
        await supervisor.close()
