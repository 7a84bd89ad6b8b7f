"""The production set-up: PostgreSQL tracker store, Redis lock store, RabbitMQ event broker.

The assistant runs with the same endpoint types as ``endpoints.prod.yml``; a cancellation over
REST must work, the tracker rows in PostgreSQL and the events on the RabbitMQ queue must both be
redacted, and the lock store must be Redis.
"""

import asyncio
import json
import os
import uuid
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from devstack.conversation import Customer
from devstack.stack import ROOT, Stack
from tests.searchable import searchable

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.rabbitmq]


@pytest.fixture
def tracker_database():
    """A fresh PostgreSQL database for Rasa's tracker store, dropped afterwards."""
    admin_url = os.environ["TEST_POSTGRES_URL"]
    name = f"rasa_tracker_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


async def _drain(amqp_url: str, queue_name: str) -> list:
    import aio_pika

    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True)
        bodies = []
        while True:
            message = await queue.get(no_ack=True, fail=False)
            if message is None:
                break
            bodies.append(json.loads(message.body))
        await queue.delete(if_unused=False, if_empty=False)
    return bodies


def test_cancellation_on_postgres_redis_rabbitmq(trained_model, tmp_path, tracker_database):
    redis_url = urlparse(os.environ["TEST_REDIS_URL"])
    amqp_url = os.environ["TEST_RABBITMQ_URL"]
    amqp = urlparse(amqp_url)
    queue = f"rasa_events_test_{uuid.uuid4().hex[:8]}"
    # endpoints.prod.yml as shipped, loaded by Rasa with its ${VARIABLES} from the environment
    stack = Stack(
        tmp_path,
        trained_model,
        endpoints_file=ROOT / "endpoints.prod.yml",
        env={
            "TRACKER_DB_URL": tracker_database,
            "REDIS_HOST": redis_url.hostname or "127.0.0.1",
            "REDIS_PORT": str(redis_url.port or 6379),
            "REDIS_LOCK_DB": (redis_url.path or "/0").strip("/") or "0",
            "RABBITMQ_HOST": amqp.hostname or "127.0.0.1",
            "RABBITMQ_PORT": str(amqp.port or 5672),
            "RABBITMQ_USER": amqp.username or "guest",
            "RABBITMQ_PASSWORD": amqp.password or "guest",
            "RABBITMQ_QUEUE": queue,
        },
    )
    import redis

    redis_client = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    commands_before = redis_client.info("stats")["total_commands_processed"]
    with stack:
        customer = Customer(stack.say)
        customer.say("I want to cancel")
        customer.say("nora@example.com")
        customer.say("85001")
        customer.say("just cancel it")
        customer.say("yes")
        number = customer.confirmation_number()
        assert number, "\n".join(customer.transcript)
    # Every turn takes and releases the conversation's lock in Redis (several commands each).
    commands = redis_client.info("stats")["total_commands_processed"] - commands_before - 1
    turns = sum(1 for line in customer.transcript if line.startswith("customer"))
    assert commands >= 2 * turns, f"only {commands} Redis commands for {turns} turns"

    engine = sa.create_engine(tracker_database, future=True)
    with engine.connect() as conn:
        rows = [
            r[0]
            for r in conn.execute(
                sa.text("select data from events where sender_id = :s"), {"s": customer.sender}
            )
        ]
    engine.dispose()
    stored = searchable(rows)
    assert number in stored, "the conversation was not stored in PostgreSQL"
    assert "nora@example.com" not in stored and "85001" not in stored

    published = asyncio.run(_drain(amqp_url, queue))
    mine = [e for e in published if e.get("sender_id") == customer.sender]
    assert any(e.get("event") == "user" for e in mine), "no event reached RabbitMQ"
    dump = searchable(mine)
    assert "nora@example.com" not in dump and "85001" not in dump
