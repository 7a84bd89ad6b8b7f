"""Fixtures of the backend tests: a migrated database per module (SQLite file, and PostgreSQL in a
fresh schema when TEST_POSTGRES_URL is set), the real app behind aiohttp's test server, and
helpers that create accounts and verify them through the API."""

from __future__ import annotations

import itertools
import secrets
import warnings
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

import backend.hashing
from backend.config import Settings
from backend.db import Database
from backend.fixtures import load_data
from backend.policy import load_policy
from backend.server import create_app
from contract.vocabulary.dates import today_in
from tests.databases import DATABASES, migrated_database

# Same code paths, cheaper hashing: keeps the suite fast (production uses 100 000 iterations).
backend.hashing.PBKDF2_ITERATIONS = 5_000
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-service-token"
IDENTIFIER_HASH_KEY = "test-identifier-hash-key"
_numbers = itertools.count(secrets.randbelow(10_000_000) * 10)


@pytest.fixture(autouse=True)
def _quiet_sqlite_decimal_warning():
    """backend.db silences it at engine creation; pytest resets warning filters for every test."""
    warnings.filterwarnings("ignore", message="Dialect sqlite\\+pysqlite does \\*not\\* support Decimal")


def business_today(at: Optional[datetime] = None) -> date:
    """The test app's business day: the date in its company time zone (the default COMPANY_TIMEZONE
    of `settings` and `policy`) now, or at the stored (naive UTC) moment `at`."""
    return today_in(Settings().company_timezone, at.replace(tzinfo=timezone.utc) if at else None)


@pytest.fixture(scope="session")
def policy():
    return load_policy(ROOT / "backend" / "policy.yml", Settings().company_timezone)


@pytest.fixture(scope="module", params=DATABASES)
def db_url(request, tmp_path_factory):
    """A freshly migrated database for this test module (PostgreSQL: needs TEST_POSTGRES_URL)."""
    with migrated_database(request.param, tmp_path_factory.mktemp("db"), "t_") as url:
        yield url


@pytest.fixture(scope="module")
def db(db_url):
    database = Database(db_url)
    yield database
    database.close()


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(
        database_url=db_url,
        service_token=TOKEN,
        identifier_hash_key=IDENTIFIER_HASH_KEY,
        dev_outbox=True,
        verify_max_failures=3,
        verify_lock_seconds=60,
        handle_ttl_seconds=900,
    )


class Api:
    """TestClient wrapper that sends the service token and, once verified, the handle headers."""

    def __init__(self, client: TestClient):
        self.client = client
        self.auth = {"Authorization": f"Bearer {TOKEN}"}

    def headers(self, who: Optional[Dict[str, str]] = None, **extra: str) -> Dict[str, str]:
        return {**self.auth, **(who or {}), **extra}

    async def call(self, method: str, path: str, who=None, json: Any = None, headers=None, **kw):
        response = await self.client.request(
            method, path, json=json, headers=self.headers(who, **(headers or {})), **kw
        )
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = await response.text()
        return response.status, body

    async def get(self, path, who=None, **kw):
        return await self.call("GET", path, who, **kw)

    async def post(self, path, json=None, who=None, **kw):
        return await self.call("POST", path, who, json=json, **kw)

    async def verify(
        self,
        account: Dict[str, Any],
        conversation_id: Optional[str] = None,
        factor: Optional[str] = None,
        channel: str = "",
    ) -> Dict[str, str]:
        """Verify with the account's PIN (on the input `channel`, if given, as the action server
        names it); return the headers of a verified call."""
        conversation_id = conversation_id or "conv-" + secrets.token_hex(4)
        start_body = {"identifier": account["email"], "conversation_id": conversation_id}
        if channel:
            start_body["channel"] = channel
        status, start = await self.post("/api/v1/verify/start", start_body)
        assert status == 200, start
        status, body = await self.post(
            "/api/v1/verify", {"attempt_id": start["attempt_id"], "factor": factor or account["pin"]}
        )
        assert status == 200, body
        headers = {"X-Verification-Handle": body["handle"], "X-Conversation-Id": conversation_id}
        if channel:
            headers["X-Conversation-Channel"] = channel
        return headers


@pytest.fixture
async def api(settings, policy, db):
    app = create_app(settings, policy=policy, db=db)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Api(client)
    finally:
        await client.close()


def make_account(
    db: Database,
    *,
    tier: str = "Essentials",
    receivables: str = "0.00",
    rep: str = "Rita Rep",
    rep_active: bool = True,
    services: int = 1,
    equipment: int = 0,
    server: str = "us-east",
    anniversary: str = "+20d",
    billing_period: str = "monthly",
) -> Dict[str, Any]:
    """Create an account with its own unique numbers through the fixture loader."""
    n = next(_numbers)
    number = f"{20_000_000 + n % 79_999_999:08d}"
    email, pin, zip_code = f"user{n}@test.example", f"{n % 10_000:04d}", f"{n % 100_000:05d}"
    service_ids = [f"SVC-T{n}-{i}" for i in range(services)]
    data = {
        "accounts": [
            {
                "account_number": number,
                "name": f"Test {n}",
                "tier": tier,
                "sales_rep": rep,
                "sales_rep_active": rep_active,
                "server": server,
                "billing_zip": zip_code,
                "pin": pin,
                "users": [
                    {
                        "first_name": "Tess",
                        "last_name": f"T{n}",
                        "email": email,
                        "phone": f"+1 4{n % 10**9:09d}",
                    }
                ],
                "services": [
                    {
                        "id": sid,
                        "name": f"Service {i}",
                        "plan": "Plan",
                        "price": "50.00",
                        "billing_period": billing_period,
                        "next_anniversary": anniversary,
                        "equipment": [
                            {
                                "id": f"EQ-T{n}-{i}-{k}",
                                "model": "Router X",
                                "serial": f"SN{n}{i}{k}00",
                                "kind": "router",
                                "retail_price": "200.00",
                            }
                            for k in range(equipment)
                        ],
                    }
                    for i, sid in enumerate(service_ids)
                ],
                "invoices": (
                    [{"number": f"INV-T{n}", "amount_due": receivables, "due_date": "+10d"}]
                    if receivables != "0.00"
                    else []
                ),
            }
        ]
    }
    db.transaction(load_data, data, business_today())
    return {
        "account_number": number,
        "email": email,
        "pin": pin,
        "zip": zip_code,
        "services": service_ids,
        "phone": f"4{n % 10**9:09d}",
    }


def count(db: Database, model, **where) -> int:
    """Rows of `model` matching column == value filters."""
    return db.transaction(
        lambda s: s.execute(select(func.count()).select_from(model).filter_by(**where)).scalar_one()
    )


def rows(db: Database, model, **where) -> List[Any]:
    return db.transaction(lambda s: list(s.execute(select(model).filter_by(**where)).scalars()))


def filing(service_id: str, when: str = "end_of_period", **extra: Any) -> Dict[str, Any]:
    body = {
        "service_id": service_id,
        "when": when,
        "reason": "price",
        "backup_confirmed": True,
        "terms_accepted": True,
        "channel": "rest",
    }
    body.update(extra)
    return body
