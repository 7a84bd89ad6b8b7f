"""What the Rasa replicas share so that any replica can serve any request (docs/deployment.md).

- ``REDIS_URL`` (``redis://host:port/db``): webhook delivery ids already handled (Slack
  ``event_id`` / ``trigger_id``) are recorded there with ``SET NX EX``, so a retry that reaches
  another replica is dropped even while the first delivery is still being answered; and, unless
  ``SOCKETIO_MANAGER_URL`` says otherwise, socket.io messages pass through its pub/sub.
- ``SOCKETIO_MANAGER_URL`` (``redis://...`` or ``amqp://...``; default ``REDIS_URL``):
  python-socketio's client manager. A message emitted on one replica (a staff reply arriving
  through Rasa's HTTP API) is published there and sent by the replica that holds the socket.
- ``REDIS_KEY_PREFIX`` (default ``cancel_assistant``): prefix of the Redis keys and name of the
  socket.io channel / exchange, so that two deployments (or test runs) on one server never mix.

Unset (``make run``), each process keeps them in its own memory, which is right for one replica.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Text

from bot.channels.common import SeenIds
from contract.settings import DEFAULT_REDIS_KEY_PREFIX

SEEN_TTL_SECONDS = 3600


def key_prefix() -> Text:
    """``REDIS_KEY_PREFIX``: the prefix of every shared key and channel of this deployment."""
    return os.environ.get("REDIS_KEY_PREFIX", "").strip() or DEFAULT_REDIS_KEY_PREFIX


def socketio_client_manager() -> Optional[Any]:
    """python-socketio's Redis or RabbitMQ client manager from the settings; None (python-socketio
    keeps its in-memory one) when neither ``SOCKETIO_MANAGER_URL`` nor ``REDIS_URL`` is set."""
    url = (os.environ.get("SOCKETIO_MANAGER_URL") or os.environ.get("REDIS_URL") or "").strip()
    if not url:
        return None
    channel = f"{key_prefix()}:socketio"
    if url.startswith(("redis://", "rediss://", "unix://")):
        from socketio import AsyncRedisManager

        return AsyncRedisManager(url, channel=channel)
    if url.startswith(("amqp://", "amqps://")):
        from socketio import AsyncAioPikaManager

        return AsyncAioPikaManager(url, channel=channel)
    raise ValueError("SOCKETIO_MANAGER_URL must be a redis:// or amqp:// URL")


class SharedSeenIds:
    """Delivery ids already handled, in Redis when ``REDIS_URL`` is set (shared by the
    replicas, atomic), else in this process's memory (:class:`SeenIds`)."""

    def __init__(self, namespace: Text, ttl_seconds: int = SEEN_TTL_SECONDS) -> None:
        self.ttl = ttl_seconds
        self.prefix = f"{key_prefix()}:seen:{namespace}:"
        url = (os.environ.get("REDIS_URL") or "").strip()
        self._local = SeenIds(ttl_seconds) if not url else None
        self._redis: Any = None
        if url:
            import redis.asyncio

            self._redis = redis.asyncio.Redis.from_url(url)

    @property
    def shared(self) -> bool:
        return self._redis is not None

    async def add(self, key: Text) -> bool:
        """Record ``key``; False if any replica recorded it within the TTL (a duplicate)."""
        if self._local is not None:
            return self._local.add(key)
        return bool(await self._redis.set(self.prefix + key, b"1", nx=True, ex=self.ttl))
