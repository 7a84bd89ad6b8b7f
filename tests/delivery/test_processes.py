"""`make run`'s processes without a mail provider: the backend (`cancel-backend serve`) with
.env.example's delivery settings and the local mail sink (`cancel-backend mail-sink`), as separate
processes. A one-time code reaches the sink, `cancel-backend mail` shows it, it verifies; a filing's
receipt arrives with its PDF; no code is left in the outbox."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

from dotenv import dotenv_values

from devstack.stack import BACKEND_CLI as CLI
from devstack.stack import ROOT, free_port, http_json, start_backend

TOKEN = "process-test-token"


def _poll(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("not reached before the deadline")


def test_make_run_processes_deliver_codes_and_receipts_to_the_mail_sink(tmp_path: Path):
    example = {k: v for k, v in dotenv_values(ROOT / ".env.example").items() if v is not None}
    port, smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        **example,
        "LOAD_DOTENV": "0",
        "BACKEND_PORT": str(port),
        "SMTP_PORT": str(smtp_port),
        "BACKEND_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{tmp_path}/backend.sqlite3",
        "MAIL_DIR": str(tmp_path / "mail"),
        "BACKEND_SERVICE_TOKEN": TOKEN,
        "IDENTIFIER_HASH_KEY": "k" * 32,
        "OUTBOX_KEY": "o" * 32,
        "POLICY_FILE": str(ROOT / "backend" / "policy.yml"),
        "DEV_OUTBOX": "0",
    }
    assert example["SMTP_HOST"] == "127.0.0.1" and example["DEV_OUTBOX"] == "0"
    sink = subprocess.Popen(CLI + ["mail-sink"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        backend = start_backend(env, port, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except Exception:
        sink.terminate()
        raise
    base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {TOKEN}"}

    def mail(*args) -> str:
        return subprocess.run(
            CLI + ["mail", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        ).stdout

    try:
        assert "mail sink on 127.0.0.1" in sink.stdout.readline()
        status, start = http_json(
            "POST",
            base + "/api/v1/verify/start",
            {"identifier": "erin@example.com", "conversation_id": "conv-proc"},
            auth,
        )
        assert status == 200, start
        assert (
            http_json("POST", base + "/api/v1/verify/otp", {"attempt_id": start["attempt_id"]}, auth)[0]
            == 202
        )
        _poll(lambda: "Your verification code" in mail())
        shown = mail("1")
        assert "To: erin@example.com" in shown
        code = re.search(r"code is (\d{6})", shown).group(1)
        with sqlite3.connect(tmp_path / "backend.sqlite3") as conn:
            stored = conn.execute(
                "SELECT body, coalesce(sealed_code, ''), status FROM outbox_messages"
            ).fetchall()
        assert stored and all(code not in body + sealed for body, sealed, _ in stored)
        status, verified = http_json(
            "POST", base + "/api/v1/verify", {"attempt_id": start["attempt_id"], "factor": code}, auth
        )
        assert status == 200, verified
        who = {**auth, "X-Verification-Handle": verified["handle"], "X-Conversation-Id": "conv-proc"}
        status, services = http_json("GET", base + "/api/v1/services", headers=who)
        assert status == 200, services
        service_id = services["services"][0]["id"]
        status, filed = http_json(
            "POST",
            base + "/api/v1/cancellations",
            {
                "service_id": service_id,
                "when": "end_of_period",
                "reason": "price",
                "backup_confirmed": True,
                "terms_accepted": True,
                "channel": "rest",
            },
            {**who, "Idempotency-Key": "proc-1"},
        )
        assert status == 201, filed
        number = filed["confirmation_number"]
        listing = _poll(
            lambda: next((line for line in mail().splitlines() if f"receipt-{number}.pdf" in line), None)
        )
        assert "Your cancellation receipt" in listing
        assert number in mail(listing.split()[0])
        with sqlite3.connect(tmp_path / "backend.sqlite3") as conn:
            assert conn.execute(
                "SELECT status, sealed_code FROM outbox_messages WHERE kind = 'otp'"
            ).fetchall() == [("sent", None)]
    finally:
        backend.terminate()
        sink.terminate()
        backend.wait(timeout=30)
        sink.wait(timeout=30)
