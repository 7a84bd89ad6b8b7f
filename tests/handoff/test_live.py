"""The staff console's live-update hub (backend/handoff/live.py) on its own: in one process without
Redis (as before: every follower gets each event once, in order), the backend's settings that turn
the sharing on, a Redis that cannot be reached (local delivery still happens, the failure is logged
without identifiers), and two hubs sharing a real Redis (each follower gets each event once, in
order; a hub's subscription comes back after Redis drops its connection).

The test of two real backend processes is tests/scale/test_console_events_across_replicas.py."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import Any, Dict, List

import pytest

from backend.config import ConfigError, load_settings
from backend.handoff.keys import LIVE
from backend.handoff.live import MAX_BACKLOG, LiveHub
from devstack.stack import free_port

WAIT = 20.0  # seconds an awaited event may take before the test fails (never asserted on)


def drain(queue: "asyncio.Queue[Dict[str, Any]]") -> List[Dict[str, Any]]:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


async def next_events(queue: "asyncio.Queue[Dict[str, Any]]", count: int) -> List[Dict[str, Any]]:
    return [await asyncio.wait_for(queue.get(), WAIT) for _ in range(count)]


async def test_without_redis_each_follower_gets_each_event_once_in_order():
    hub = LiveHub()
    await hub.start()  # nothing to start without Redis
    assert not hub.shared
    with hub.follow() as first, hub.follow() as second:
        assert hub.followers == 2
        hub.publish("queue", 3)
        hub.publish("chat", 3)
        hub.publish("typing", 4)
        expected = [
            {"type": "queue", "id": 3},
            {"type": "chat", "id": 3},
            {"type": "typing", "id": 4},
        ]
        # delivered during publish itself: nothing is in flight anywhere
        assert drain(first) == expected and drain(second) == expected
    assert hub.followers == 0
    hub.publish("queue", 5)  # nobody follows: nothing to do, nothing raised
    await hub.stop()


async def test_a_follower_too_far_behind_loses_the_oldest_events():
    hub = LiveHub()
    with hub.follow() as slow:
        for n in range(MAX_BACKLOG + 5):
            hub.publish("chat", n)
        assert [e["id"] for e in drain(slow)] == list(range(5, MAX_BACKLOG + 5))


def test_the_backend_reads_redis_url_and_its_key_prefix():
    plain = load_settings(env={}, dotenv=False)
    assert plain.redis_url is None and plain.redis_key_prefix == "cancel_assistant"
    shared = load_settings(
        env={"REDIS_URL": "redis://10.0.0.5:6379/2", "REDIS_KEY_PREFIX": "acme"}, dotenv=False
    )
    assert shared.redis_url == "redis://10.0.0.5:6379/2" and shared.redis_key_prefix == "acme"
    with pytest.raises(ConfigError, match="REDIS_URL"):
        load_settings(env={"REDIS_URL": "amqp://guest@127.0.0.1/"}, dotenv=False)


async def test_the_app_shares_events_only_when_redis_is_set(db_url, db, policy):
    from backend.server import create_app
    from tests.handoff.conftest import make_settings

    assert not create_app(make_settings(db_url), policy=policy, db=db)[LIVE].shared
    app = create_app(
        make_settings(db_url, redis_url="redis://127.0.0.1:9/0", redis_key_prefix="x"), policy=policy, db=db
    )
    assert app[LIVE].shared and app[LIVE].channel == "x:console_events"


async def test_an_unreachable_redis_costs_the_other_replicas_only_and_is_logged_without_ids(caplog):
    caplog.set_level(logging.INFO, logger="backend.handoff.live")
    port = free_port()  # nothing listens there
    hub = LiveHub(f"redis://127.0.0.1:{port}/0", "test_live_down")
    await hub.start()
    try:
        with hub.follow() as follower:
            hub.publish("queue", 48213)
            assert drain(follower) == [{"type": "queue", "id": 48213}]
            deadline = asyncio.get_running_loop().time() + WAIT
            while not any("not shared" in r.getMessage() for r in caplog.records):
                assert asyncio.get_running_loop().time() < deadline, "the failed publish was not logged"
                await asyncio.sleep(0.05)
    finally:
        await hub.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert any("subscription lost" in m for m in messages)
    assert not any("48213" in m or str(port) in m for m in messages), messages


@pytest.fixture
async def two_hubs():
    """Two hubs (as in two backend replicas) on one Redis channel of their own."""
    prefix = f"test_live_{uuid.uuid4().hex[:8]}"
    hubs = [LiveHub(os.environ["TEST_REDIS_URL"], prefix) for _ in range(2)]
    for hub in hubs:
        await hub.start()
        assert await hub.wait_subscribed(WAIT)
    try:
        yield hubs
    finally:
        for hub in hubs:
            await hub.stop()


@pytest.mark.redis
async def test_two_hubs_on_redis_give_each_follower_each_event_once_in_order(two_hubs):
    a, b = two_hubs
    with a.follow() as on_a, b.follow() as on_b:
        a.publish("queue", 1)
        a.publish("chat", 1)
        assert drain(on_a) == [{"type": "queue", "id": 1}, {"type": "chat", "id": 1}]  # local: at once
        assert await next_events(on_b, 2) == [{"type": "queue", "id": 1}, {"type": "chat", "id": 1}]
        b.publish("typing", 1)
        assert drain(on_b) == [{"type": "typing", "id": 1}]
        assert await next_events(on_a, 1) == [{"type": "typing", "id": 1}]
        # Markers: A's next event reaches B through Redis after anything Redis carried before it
        # (B's own typing echoed back would come first); likewise B's marker for A.
        a.publish("queue", 2)
        assert await next_events(on_b, 1) == [{"type": "queue", "id": 2}]
        b.publish("queue", 3)
        assert await next_events(on_a, 2) == [{"type": "queue", "id": 2}, {"type": "queue", "id": 3}]
        assert drain(on_b) == [{"type": "queue", "id": 3}]


@pytest.mark.redis
async def test_a_hub_subscribes_again_after_redis_drops_its_connection(two_hubs):
    import redis.asyncio

    a, b = two_hubs
    admin = redis.asyncio.Redis.from_url(os.environ["TEST_REDIS_URL"])
    try:
        name = f"console_events-{b.origin[:12]}"
        ids = [c["id"] for c in await admin.client_list() if c.get("name") == name]
        assert ids, "the subscriber's connection is named after its hub"
        for client_id in ids:
            await admin.client_kill_filter(_id=client_id)
    finally:
        await admin.close()
    with b.follow() as on_b:
        # events published while B is away are lost; probe until one comes through again
        deadline = asyncio.get_running_loop().time() + WAIT
        seen: List[Dict[str, Any]] = []
        probe = 0
        while not seen:
            assert asyncio.get_running_loop().time() < deadline, "B never subscribed again"
            probe += 1
            a.publish("chat", 1000 + probe)
            await asyncio.sleep(0.2)
            seen = drain(on_b)
        a.publish("queue", 7)
        a.publish("typing", 7)
        rest = seen + await next_events(on_b, 2)
        while rest[-2:] != [{"type": "queue", "id": 7}, {"type": "typing", "id": 7}]:
            rest += await next_events(on_b, 1)  # the last probes still on their way
        probes = [e["id"] for e in rest[:-2]]
        assert all(e["type"] == "chat" for e in rest[:-2]) and probes == sorted(set(probes))


async def test_stopping_the_server_ends_the_open_event_streams(db_url, db, policy, rasa, tmp_path):
    """A replica that stops (a deploy, a scale-in) ends its consoles' streams at once instead of
    holding its shutdown until their next keep-alive; the browser's EventSource reconnects."""
    from aiohttp.test_utils import TestServer

    from backend.console import setup_console
    from backend.console.canned import DEFAULT_PATH
    from backend.server import create_app
    from tests.handoff.conftest import Console, add_staff, make_settings

    app = create_app(make_settings(db_url, rasa.url), policy=policy, db=db)
    canned = tmp_path / "canned_replies.yml"
    canned.write_text(DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    setup_console(app, canned_path=canned)
    server = TestServer(app)
    await server.start_server()
    console = Console(str(server.make_url("")))
    try:
        assert (await console.login(add_staff(db)["username"])).status == 200
        async with console.http.get(console.base + "/console/api/events") as stream:
            assert await asyncio.wait_for(stream.content.readline(), WAIT) == b"event: ready\n"
            closing = asyncio.create_task(server.close())
            # nothing more (no keep-alive after a wait): the stream ends
            assert await asyncio.wait_for(stream.content.read(), WAIT) == b"data: {}\n\n"
            await closing
    finally:
        await console.close()
        await server.close()
