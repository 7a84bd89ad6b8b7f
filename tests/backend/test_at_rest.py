"""What the backend's database holds at rest: one-time codes and handles never in clear, code
messages purged after the codes expire, and codes in memory only with DEV_OUTBOX=1."""

import dataclasses
import json
import re
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import JSON, String, Text, select, update

from backend import outbox
from backend.config import Settings
from backend.db import import_all_models
from backend.models import Base, OutboxMessage, utcnow
from backend.server import create_app
from tests.backend.conftest import Api, business_today, count, make_account

import_all_models()


def text_at_rest(db) -> str:
    """Every text and JSON value of every table, one per line."""
    lines = []

    def read(session):
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if columns:
                for row in session.execute(select(*columns)):
                    lines.extend(json.dumps(v) if not isinstance(v, str) else v for v in row if v is not None)

    db.transaction(read)
    return "\n".join(lines)


def holds(text: str, secret: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z_-]){re.escape(secret)}(?![0-9A-Za-z_-])", text) is not None


async def _code(api, account, conversation_id):
    status, start = await api.post(
        "/api/v1/verify/start", {"identifier": account["email"], "conversation_id": conversation_id}
    )
    assert (await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]}))[0] == 202
    status, box = await api.get(f"/api/v1/dev/outbox?to={account['email']}")
    [message] = [m for m in box["messages"] if m["kind"] == "otp"][:1]
    return start["attempt_id"], message


async def test_codes_and_handles_are_never_stored_in_clear(api, db):
    account = make_account(db)
    attempt_id, message = await _code(api, account, "conv-at-rest")
    code = message["code"]
    assert code in message["body"]  # the dev outbox shows the message as the customer gets it
    assert not holds(text_at_rest(db), code)
    [row] = [
        m
        for m in db.transaction(
            lambda s: list(s.query(OutboxMessage).filter_by(kind="otp", recipient=account["email"]))
        )
    ]
    assert outbox.CODE_MASK in row.body and code not in row.body
    status, verified = await api.post("/api/v1/verify", {"attempt_id": attempt_id, "factor": code})
    assert status == 200
    stored = text_at_rest(db)
    assert not holds(stored, code) and verified["handle"] not in stored


async def test_code_messages_are_purged_once_expired(api, db):
    account = make_account(db)
    await _code(api, account, "conv-purge-1")
    db.transaction(
        lambda s: s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == account["email"])
            .values(created_at=utcnow() - timedelta(minutes=11))
        )
    )
    other = make_account(db)
    await _code(api, other, "conv-purge-2")  # any later code request purges the expired ones
    assert count(db, OutboxMessage, recipient=account["email"], kind="otp") == 0
    assert count(db, OutboxMessage, recipient=other["email"], kind="otp") == 1


async def test_without_dev_outbox_no_code_is_kept_anywhere(settings, policy, db):
    client = TestClient(
        TestServer(create_app(dataclasses.replace(settings, dev_outbox=False), policy=policy, db=db))
    )
    await client.start_server()
    try:
        api = Api(client)
        account = make_account(db)
        status, start = await api.post(
            "/api/v1/verify/start", {"identifier": account["email"], "conversation_id": "conv-no-dev"}
        )
        assert (await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]}))[0] == 202
        [row] = db.transaction(
            lambda s: list(s.query(OutboxMessage).filter_by(recipient=account["email"], kind="otp"))
        )
        assert outbox.CODE_MASK in row.body and db.transaction(outbox.dev_code, row.id) is None
        assert (await api.get("/api/v1/dev/outbox"))[0] == 404
    finally:
        await client.close()


async def test_conversation_ids_are_stored_as_keyed_hashes(api, db):
    """An SMS conversation id is the customer's phone number: the backend keeps only its keyed hash
    (verification, filing, offer, refund, audit, conversation events, the reports' summary) and, for
    the reports' drill-down, the id sealed; the API still takes the conversation id."""
    from tests.backend.conftest import filing

    account = make_account(db)
    phone_conversation = "+15550104242"
    who = await api.verify(account, phone_conversation)
    service_id = account["services"][0]
    assert (await api.post(f"/api/v1/services/{service_id}/offer", {"reason": "price"}, who))[0] == 200
    assert (
        await api.post("/api/v1/cancellations", filing(service_id), who, headers={"Idempotency-Key": "k"})
    )[0] == 201
    assert (
        await api.post(
            "/api/v1/refunds",
            {"amount": "12.00", "reason": "late fee"},
            who,
            headers={"Idempotency-Key": "r"},
        )
    )[0] == 200
    assert (await api.get("/api/v1/services", who))[0] == 200
    for kind in ("misunderstood", "stopped"):  # the action server's notes for the reports
        body = {"conversation_id": phone_conversation, "kind": kind, "channel": "twilio"}
        assert (await api.post("/api/v1/conversation-events", body))[0] == 200
    # the reports' summary keeps the id sealed for the drill-down: present, but not in clear
    from backend.hashing import conversation_key, unseal_conversation_id
    from backend.reports import report
    from backend.reports.models import ReportConversation

    today = business_today()  # the reports' days are the company's
    db.transaction(lambda s: report(s, today, today, zone=Settings().company_timezone))
    sealed = db.transaction(
        lambda s: s.get(ReportConversation, conversation_key(phone_conversation)).sealed_conversation_id
    )
    assert unseal_conversation_id(sealed) == phone_conversation
    assert "15550104242" not in text_at_rest(db)


def test_migration_rekeys_stored_conversation_ids(tmp_path, monkeypatch):
    import hashlib
    import hmac

    from sqlalchemy import text

    from backend.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'rekey.sqlite3'}"
    upgrade(url, "0006")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_events (at, action, conversation_id, details) "
                "VALUES ('2026-01-01', 'verify_started', '+15550109999', '{}')"
            )
        )
    monkeypatch.setenv("LOAD_DOTENV", "0")
    monkeypatch.setenv("IDENTIFIER_HASH_KEY", "migration-key")
    upgrade(url)
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT conversation_key FROM audit_events")).scalar_one()
    engine.dispose()
    assert (
        stored
        == hmac.new(
            b"migration-key", b"cancel-assistant/conversation:+15550109999", hashlib.sha256
        ).hexdigest()
    )
