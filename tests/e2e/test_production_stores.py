"""The production set-up: PostgreSQL tracker store, Redis lock store, RabbitMQ event broker.

The assistant runs with ``endpoints.prod.yml`` as shipped; a cancellation over REST must work and
the lock store must be Redis. Issue 14's at-rest search: three conversations verify with each
kind of identifier and factor (email + ZIP, account number + PIN, phone + one-time code) and type
a PIN and a ZIP in free text; none of these values is in any store afterwards: the tracker rows in
PostgreSQL, the events on the RabbitMQ queue, the Redis lock store, and every table of the
backend's database that the conversations wrote (the customer records the backend serves, and the
address an outbox message goes to, are business data, docs/security.md "Data at rest").
"""

import asyncio
import json
import os
import re
import uuid
from urllib.parse import quote, urlparse

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


# the backend's business data: what it serves, not what the conversations wrote
BUSINESS_TABLES = {
    "accounts",
    "authorized_users",
    "bundles",
    "services",
    "equipment",
    "invoices",
    "staff_users",
    "alembic_version",
}


def _backend_text(database_url: str) -> str:
    """Every text value of every table of the backend's database but the business data (and an
    outbox message's recipient, the address it is delivered to)."""
    engine = sa.create_engine(database_url, future=True)
    values = []
    try:
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                if table in BUSINESS_TABLES:
                    continue
                for row in conn.execute(sa.text(f'select * from "{table}"')).mappings():
                    values.extend(
                        f"{table}.{column}={value}"
                        for column, value in row.items()
                        if value is not None and not (table == "outbox_messages" and column == "recipient")
                    )
    finally:
        engine.dispose()
    return "\n".join(values)


def _found(text: str, secrets: dict) -> list:
    """Which of ``secrets`` (label: value) appear in ``text`` as a whole token."""
    return [
        label
        for label, value in secrets.items()
        if re.search(rf"(?<![0-9A-Za-z_-]){re.escape(value)}(?![0-9A-Za-z_-])", text)
    ]


def _one_time_code(stack, phone: str) -> str:
    """The code of the newest one-time code message the backend queued for ``phone`` (its dev
    outbox, newest first)."""
    status, box = stack.backend("GET", f"/api/v1/dev/outbox?to={quote(phone)}")
    assert status == 200, box
    codes = [m["code"] for m in box["messages"] if m["kind"] == "otp" and m.get("code")]
    assert codes, box
    return codes[0]


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

        by_pin = Customer(stack.say)
        by_pin.say("I want to cancel my hosting")
        by_pin.say("10000001")
        assert "Erin" in by_pin.say("1111"), "\n".join(by_pin.transcript)
        by_pin.say("just cancel it")
        by_pin.say("yes")
        assert by_pin.confirmation_number(), "\n".join(by_pin.transcript)
        by_pin.say("thanks. my pin is 1111 and my zip is 02139 if you need them")

        by_code = Customer(stack.say)
        by_code.say("I want to cancel my backup service")
        by_code.say("+1 555-010-0005")
        by_code.click("send me a code")
        code = _one_time_code(stack, "+15550100005")
        assert "Judy" in by_code.say(code), "\n".join(by_code.transcript)
        by_code.say("just cancel it")
        by_code.say("yes")
        assert by_code.confirmation_number(), "\n".join(by_code.transcript)
        backend_text = _backend_text(stack.database_url)
        lock_store = {
            key.decode(): redis_client.dump(key) for key in redis_client.scan_iter(match="cancelassistant*")
        }
    secrets = {
        "email": "nora@example.com",
        "ZIP": "85001",
        "account number": "10000001",
        "PIN": "1111",
        "ZIP in free text": "02139",
        "phone": "5550100005",
        "phone as typed": "555-010-0005",
        "phone, international": "15550100005",
        "one-time code": code,
    }
    senders = {customer.sender, by_pin.sender, by_code.sender}
    # Every turn takes and releases the conversation's lock in Redis (several commands each).
    commands = redis_client.info("stats")["total_commands_processed"] - commands_before - 1
    turns = sum(1 for line in customer.transcript if line.startswith("customer"))
    assert commands >= 2 * turns, f"only {commands} Redis commands for {turns} turns"

    engine = sa.create_engine(tracker_database, future=True)
    with engine.connect() as conn:
        rows = [
            r[0]
            for r in conn.execute(
                sa.text("select data from events where sender_id in :s").bindparams(
                    sa.bindparam("s", expanding=True)
                ),
                {"s": sorted(senders)},
            )
        ]
    engine.dispose()
    stored = searchable(rows)
    assert number in stored, "the conversation was not stored in PostgreSQL"
    assert _found(stored, secrets) == [], "in the tracker store"

    published = asyncio.run(_drain(amqp_url, queue))
    mine = [e for e in published if e.get("sender_id") in senders]
    assert {e.get("sender_id") for e in mine if e.get("event") == "user"} == senders, (
        "no event reached RabbitMQ"
    )
    assert _found(searchable(mine), secrets) == [], "in the event broker's messages"

    assert number in backend_text, "the filing is not in the backend's database"
    assert _found(backend_text, secrets) == [], "in the backend's database"
    assert _found(json.dumps({k: repr(v) for k, v in lock_store.items()}), secrets) == [], "in Redis"
