"""Fixture loading, demo data coverage, settings, the cancel-backend CLI, and what gets logged."""

import json
import logging
import os
import subprocess
import urllib.request
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import select

from backend.cli import main
from backend.config import ConfigError, load_settings
from backend.db import Database, upgrade
from backend.fixtures import DEMO_DATA, FixtureError, load_data, load_file
from backend.models import Account, Equipment, Invoice, Service
from devstack.stack import free_port, start_backend
from tests.backend.conftest import ROOT, business_today, filing, make_account

DEMO = yaml.safe_load(DEMO_DATA.read_text())


@pytest.fixture
def fresh_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'fixtures.sqlite3'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.close()


def _table_sizes(db):
    def sizes(s):
        return {m.__name__: len(s.execute(select(m)).all()) for m in (Account, Service, Invoice, Equipment)}

    return db.transaction(sizes)


def test_demo_data_loads_idempotently(fresh_db):
    first = load_file(fresh_db, DEMO_DATA, business_today())
    assert first["accounts"] == len(DEMO["accounts"])
    before = _table_sizes(fresh_db)
    assert load_file(fresh_db, DEMO_DATA, business_today()) == {}
    assert _table_sizes(fresh_db) == before


def test_demo_data_reaches_every_branch(fresh_db, policy):
    load_file(fresh_db, DEMO_DATA, business_today())

    def facts(s):
        out = []
        for account in s.execute(select(Account)).scalars():
            receivables = sum((i.amount_due for i in account.invoices if i.status == "open"), Decimal("0"))
            equipment = s.execute(select(Equipment).where(Equipment.account_id == account.id)).scalars().all()
            routing = policy.sop_routing(
                account.tier, receivables, account.sales_rep_active, account.sales_rep, account.server
            )
            out.append(
                {
                    "tier": account.tier,
                    "receivables": receivables,
                    "equipment": len(equipment),
                    "services": len(account.services),
                    "bundle": any(x.bundle_id for x in account.services),
                    "rep_active": account.sales_rep_active,
                    "routing": routing.action,
                    "owner": routing.task_owner,
                    "users": len(account.users),
                }
            )
        return out

    accounts = fresh_db.transaction(facts)
    assert {a["tier"] for a in accounts} == set(policy.tiers)
    assert any(a["receivables"] > 0 for a in accounts) and any(a["receivables"] == 0 for a in accounts)
    assert any(a["receivables"] > 1000 for a in accounts) and any(
        0 < a["receivables"] <= 1000 for a in accounts
    )
    assert any(a["equipment"] for a in accounts) and any(not a["equipment"] for a in accounts)
    assert any(a["services"] > 1 and a["bundle"] for a in accounts)
    assert any(not a["rep_active"] for a in accounts)
    assert {a["routing"] for a in accounts} == {"sympathetic", "sales_callback"}
    assert "Spencer" in {a["owner"] for a in accounts} and len({a["owner"] for a in accounts}) >= 3
    assert any(a["users"] > 1 for a in accounts)


def test_fixture_errors_name_the_entry(fresh_db):
    bad = {
        "accounts": [
            {
                "account_number": "123",
                "name": "x",
                "tier": "SMB",
                "billing_zip": "12345",
                "users": [{"first_name": "A", "email": "a@test.example"}],
            }
        ]
    }
    with pytest.raises(FixtureError, match=r"accounts\[0\]\.account_number"):
        fresh_db.transaction(load_data, bad, business_today())
    bad["accounts"][0].update(
        account_number="12345678",
        services=[{"id": "SVC-1", "name": "n", "plan": "p", "price": "abc", "next_anniversary": "+1d"}],
    )
    with pytest.raises(FixtureError, match=r"accounts\[0\]\.services\[0\]\.price"):
        fresh_db.transaction(load_data, bad, business_today())
    assert _table_sizes(fresh_db)["Account"] == 0  # nothing half-loaded


def test_json_fixture_files_load(fresh_db, tmp_path):
    path = tmp_path / "customers.json"
    path.write_text(json.dumps({"accounts": [DEMO["accounts"][0]]}))
    assert load_file(fresh_db, path, business_today())["accounts"] == 1


def test_settings_from_environment():
    settings = load_settings({"BACKEND_PORT": "9000", "DEV_OUTBOX": "1", "BACKEND_SERVICE_TOKEN": "t"})
    assert (settings.backend_port, settings.dev_outbox, settings.require_token()) == (9000, True, "t")
    assert settings.database_url == "sqlite:///var/backend.sqlite3" and settings.verify_max_failures == 5
    with pytest.raises(ConfigError, match="VERIFY_LOCK_SECONDS"):
        load_settings({"VERIFY_LOCK_SECONDS": "soon"})
    with pytest.raises(ConfigError, match="BACKEND_SERVICE_TOKEN"):
        load_settings({}).require_token()
    with pytest.raises(ConfigError, match="IDENTIFIER_HASH_KEY"):
        load_settings({"BACKEND_SERVICE_TOKEN": "t"}).require_identifier_hash_key()
    assert load_settings({"IDENTIFIER_HASH_KEY": "k"}).require_identifier_hash_key() == "k"


def test_cli_seed_and_load_print_nothing_secret(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert main(["seed"]) == 0
    assert main(["load", str(DEMO_DATA)]) == 0
    out = capsys.readouterr().out
    assert "8 accounts" in out and "nothing new" in out
    for account in DEMO["accounts"]:
        for secret in (
            account["pin"],
            account["billing_zip"],
            account["account_number"],
            account["users"][0]["email"],
        ):
            assert secret not in out


def test_cli_serve_refuses_to_start_without_a_token(monkeypatch, capsys):
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", "")
    assert main(["serve"]) == 2
    assert "BACKEND_SERVICE_TOKEN is not set" in capsys.readouterr().err


def test_cli_serve_refuses_a_bad_policy(tmp_path, monkeypatch, capsys):
    bad = yaml.safe_load((ROOT / "backend" / "policy.yml").read_text())
    bad["return_window_days"] = -3
    (tmp_path / "policy.yml").write_text(yaml.safe_dump(bad))
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", "t")
    monkeypatch.setenv("IDENTIFIER_HASH_KEY", "k")
    monkeypatch.setenv("POLICY_FILE", str(tmp_path / "policy.yml"))
    assert main(["serve"]) == 2
    assert "policy.return_window_days: must be a positive integer" in capsys.readouterr().err


def test_cli_serve_runs_the_real_server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "BACKEND_SERVICE_TOKEN": "tok",
        "IDENTIFIER_HASH_KEY": "k",
    }
    server = start_backend(env, port, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            assert json.load(r) == {"status": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "static/widget.js" in r.read().decode()  # the widget demo page is served too
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs/api", timeout=5) as r:
            assert "/static/api-reference.js" in r.read().decode()  # the API reference, without a token
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs/openapi.json", timeout=5) as r:
            assert "/console/api/handoffs" in json.load(r)["paths"]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/verify/start",
            method="POST",
            data=json.dumps({"identifier": "erin@example.com", "conversation_id": "c"}).encode(),
            headers={"Authorization": "Bearer tok", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as r:
            assert set(json.load(r)) == {"attempt_id", "factors"}
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    assert "erin@example.com" not in output and "tok" not in output.replace("token", "")


async def test_logs_hold_no_secrets(api, db, caplog):
    caplog.set_level(logging.DEBUG, logger="backend")
    account = make_account(db, equipment=1)
    who = await api.verify(account)
    number = (
        await api.post(
            "/api/v1/cancellations", filing(account["services"][0]), who, headers={"Idempotency-Key": "k"}
        )
    )[1]["confirmation_number"]
    await api.get(f"/api/v1/dev/outbox?to={account['email']}")
    await api.post("/api/v1/verify", {"attempt_id": "x", "factor": account["zip"]})
    assert "/api/v1/cancellations" in caplog.text
    for secret in (
        who["X-Verification-Handle"],
        account["email"],
        account["account_number"],
        account["pin"],
        account["zip"],
        "test-service-token",
        account["phone"],
    ):
        assert secret not in caplog.text
    assert number not in caplog.text


def test_dotenv_is_read_unless_switched_off(monkeypatch):
    import backend.config

    loads = []
    monkeypatch.setattr(backend.config, "load_dotenv", lambda **kw: loads.append(kw))
    monkeypatch.setenv("LOAD_DOTENV", "1")
    load_settings()
    assert loads == [{"override": False}]  # a .env never overrides the real environment
    monkeypatch.setenv("LOAD_DOTENV", "0")
    load_settings()
    assert len(loads) == 1


def test_env_example_starts_a_backend_once_make_run_fills_in_the_secrets(tmp_path):
    """scripts/init_env.py turns .env.example into a .env with fresh secrets (the backend needs a
    service token and IDENTIFIER_HASH_KEY) and the dev outbox off."""
    import importlib.util

    from dotenv import dotenv_values

    (tmp_path / "scripts").mkdir()
    (tmp_path / ".env.example").write_text((ROOT / ".env.example").read_text())
    spec = importlib.util.spec_from_file_location("init_env", ROOT / "scripts" / "init_env.py")
    init_env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(init_env)
    init_env.ROOT = tmp_path
    assert init_env.main() == 0
    values = dotenv_values(tmp_path / ".env")
    settings = load_settings(values)
    assert settings.require_token() != "change-me" and len(settings.require_identifier_hash_key()) >= 24
    assert settings.require_identifier_hash_key() != settings.require_token()
    assert settings.dev_outbox is False
    # an older .env without the key gets it added, and keeps what it had
    (tmp_path / ".env").write_text("BACKEND_SERVICE_TOKEN=mine\nDEV_OUTBOX=1\n")
    assert init_env.main() == 0
    older = load_settings(dotenv_values(tmp_path / ".env"))
    assert (older.require_token(), older.dev_outbox) == ("mine", True)
    assert len(older.require_identifier_hash_key()) >= 24
