"""The local mail sink of make run and `cancel-backend mail`, as the separate processes a developer
runs: mail sent to the sink is listed and shown, a repeated Message-ID is kept once."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.delivery.conftest import free_port

CLI = [sys.executable, "-m", "backend.cli"]


def _env(tmp_path: Path, port: int) -> dict:
    return {**os.environ, "LOAD_DOTENV": "0", "MAIL_DIR": str(tmp_path / "mail"), "SMTP_PORT": str(port)}


@pytest.fixture
def sink_process(tmp_path):
    port = free_port()
    env = _env(tmp_path, port)
    process = subprocess.Popen(CLI + ["mail-sink"], env=env, stdout=subprocess.PIPE, text=True)
    assert "mail sink on 127.0.0.1" in process.stdout.readline()
    yield port, env
    process.terminate()
    process.wait(timeout=20)


def _send(port: int, subject: str, message_id: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "no-reply@test.example", "pat@test.example", subject
    message["Message-ID"] = message_id
    message.set_content("Confirmation number: CX-TEST-1")
    message.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf", filename="receipt.pdf")
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
        smtp.send_message(message)


def _cli(env, *args) -> str:
    return subprocess.run(
        CLI + ["mail", *args], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_mail_sent_to_the_sink_is_listed_and_shown_once(sink_process):
    port, env = sink_process
    _send(port, "Your cancellation receipt", "<one@test>")
    _send(port, "Your cancellation receipt", "<one@test>")  # a delivery repeated after a crash
    _send(port, "Your verification code", "<two@test>")
    deadline = time.monotonic() + 20
    while len(list(Path(env["MAIL_DIR"]).glob("*.eml"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    listing = _cli(env).splitlines()
    assert len(listing) == 2
    assert "to pat@test.example  Your cancellation receipt  [receipt.pdf]" in listing[0]
    shown = _cli(env, "1")
    assert "Subject: Your cancellation receipt" in shown and "Confirmation number: CX-TEST-1" in shown
    assert "attachment: receipt.pdf" in shown


def test_an_empty_sink_says_so(tmp_path):
    assert "no mail in" in _cli(_env(tmp_path, free_port()))
