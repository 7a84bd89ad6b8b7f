"""Live updates for the staff console: a hub that the backend's handlers publish to (a chat queued,
taken, answered, closed; a customer's new message or typing) and that each open console page
follows over server-sent events (`GET /console/api/events`).

Every event goes at once to the followers of this process. When the settings name a Redis
(`REDIS_URL`), it is also published on the Redis pub/sub channel `<REDIS_KEY_PREFIX>:console_events`
tagged with this process's origin id, and every backend replica subscribes to that channel and hands
the events of the *other* replicas to its own followers: each follower gets each event once, in the
order its replica published them, whichever replica the change went through (docs/deployment.md).

Publishing never waits on Redis: events queue for one sender task (so they leave in order), and a
Redis failure is logged and costs the other replicas that event only. The subscriber reconnects
after Redis drops; events published while it was away are not replayed (a console page reloads its
rows on its next event or on reload).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from contextlib import contextmanager, suppress
from typing import Any, Dict, Iterator, Optional, Set

from contract.settings import DEFAULT_REDIS_KEY_PREFIX

MAX_BACKLOG = 100  # events a slow follower may be behind before it loses the oldest
MAX_OUTGOING = 1000  # events waiting for Redis before new ones are not shared
REDIS_TIMEOUT_SECONDS = 5.0  # a publish, a subscription confirmed
RECONNECT_MIN_SECONDS, RECONNECT_MAX_SECONDS = 0.5, 10.0
CHANNEL_SUFFIX = "console_events"
STREAM_END: Dict[str, Any] = {"type": "end"}  # to followers only, by identity: never published

log = logging.getLogger("backend.handoff.live")


class LiveHub:
    """Followers of this process, and (with `redis_url`) the channel shared with the other
    replicas. `start()` and `stop()` run with the app (backend.handoff.setup_handoff)."""

    def __init__(self, redis_url: Optional[str] = None, key_prefix: str = DEFAULT_REDIS_KEY_PREFIX) -> None:
        self._followers: Set["asyncio.Queue[Dict[str, Any]]"] = set()
        self.origin = uuid.uuid4().hex
        self.channel = f"{key_prefix}:{CHANNEL_SUFFIX}"
        self._redis_url = redis_url
        self._outgoing: Optional["asyncio.Queue[bytes]"] = None
        self._publisher: Any = None  # redis.asyncio.Redis clients, made by start()
        self._subscriber: Any = None
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._subscribed = asyncio.Event()
        self._first_attempt = asyncio.Event()  # the subscriber tried once (subscribed or failed)
        self._dropped = 0

    @property
    def shared(self) -> bool:
        """True when events are shared with the other replicas through Redis."""
        return bool(self._redis_url)

    @contextmanager
    def follow(self) -> Iterator["asyncio.Queue[Dict[str, Any]]"]:
        """A queue receiving every event published while the `with` block runs."""
        queue: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue(MAX_BACKLOG)
        self._followers.add(queue)
        try:
            yield queue
        finally:
            self._followers.discard(queue)

    def publish(self, kind: str, handoff_id: Optional[int] = None, **data: Any) -> None:
        """Send {type, id, ...} to every follower of this process now, and to the other replicas'
        through Redis when it is set (queued for the sender task; never waits)."""
        event = {"type": kind, "id": handoff_id, **data}
        self._deliver(event)
        if self._outgoing is None:
            return
        message = json.dumps({"origin": self.origin, "event": event}).encode()
        if self._outgoing.full():
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 100 == 0:
                log.warning("console live events not shared with other replicas: %d dropped", self._dropped)
            return
        self._outgoing.put_nowait(message)

    def _deliver(self, event: Dict[str, Any]) -> None:
        """Hand `event` to every follower of this process; one too far behind loses the oldest."""
        for queue in list(self._followers):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def end_streams(self) -> None:
        """The server is stopping: every follower gets `STREAM_END` (its stream ends at once, and
        the browser's EventSource reconnects, through the balancer, to a replica still running)."""
        self._deliver(STREAM_END)

    @property
    def followers(self) -> int:
        return len(self._followers)

    # ----------------------------------------------------------------------- shared through Redis

    async def start(self) -> None:
        """With Redis: start the sender and the subscriber (they run until `stop()`), and wait
        until the subscriber has tried once, so that a replica that starts answering already hears
        the others (a Redis that cannot be reached holds the start-up for its connect timeout at most,
        5 s; the subscriber keeps retrying)."""
        if not self._redis_url or self._tasks:
            return
        import redis.asyncio

        # two clients: the subscriber's connection is taken by the subscription
        self._publisher = redis.asyncio.Redis.from_url(self._redis_url, socket_connect_timeout=5)
        self._subscriber = redis.asyncio.Redis.from_url(
            self._redis_url,
            socket_connect_timeout=5,
            health_check_interval=15,
            client_name=f"{CHANNEL_SUFFIX}-{self.origin[:12]}",  # CLIENT LIST tells the replicas apart
        )
        self._outgoing = asyncio.Queue(MAX_OUTGOING)
        for work in (self._send_loop(), self._subscribe_loop()):
            task = asyncio.get_running_loop().create_task(work)
            self._tasks.add(task)
        await self._first_attempt.wait()

    async def stop(self) -> None:
        """Stop the sender and the subscriber and close the Redis connections."""
        tasks, self._tasks = self._tasks, set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._outgoing = None
        if tasks:
            for client in (self._publisher, self._subscriber):
                with suppress(Exception):
                    await client.close()

    async def wait_subscribed(self, timeout: float) -> bool:
        """True once the subscriber listens on the channel (for start-up checks and tests)."""
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def _send_loop(self) -> None:
        assert self._outgoing is not None
        outgoing = self._outgoing
        while True:
            message = await outgoing.get()
            try:
                await asyncio.wait_for(self._publisher.publish(self.channel, message), REDIS_TIMEOUT_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis down: this event stays local
                log.warning("console live event not shared with other replicas (%s)", type(exc).__name__)

    async def _subscribe_loop(self) -> None:
        delay = RECONNECT_MIN_SECONDS
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                while True:  # Redis confirms: from here on, every event on the channel comes here
                    confirm = await pubsub.get_message(timeout=REDIS_TIMEOUT_SECONDS)
                    if confirm is None:
                        raise TimeoutError("no subscription confirmed")
                    if confirm.get("type") == "subscribe":
                        break
                if delay > RECONNECT_MIN_SECONDS:
                    log.info("console live events: subscribed to Redis again")
                self._subscribed.set()
                self._first_attempt.set()
                delay = RECONNECT_MIN_SECONDS
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._receive(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis dropped: subscribe again after a pause
                self._subscribed.clear()
                self._first_attempt.set()
                log.warning(
                    "console live events: Redis subscription lost (%s); retrying in %.1f s",
                    type(exc).__name__,
                    delay,
                )
            finally:
                with suppress(Exception):
                    await pubsub.reset()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _receive(self, raw: Any) -> None:
        """An event from the channel: delivered here unless this process published it."""
        try:
            message = json.loads(raw)
            origin, event = message["origin"], message["event"]
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                raise ValueError("not an event")
        except (ValueError, TypeError, KeyError):
            log.warning("console live events: ignored a malformed message on the Redis channel")
            return
        if origin != self.origin:
            self._deliver(event)
