"""The local mail sink of `make run` (docs/delivery.md): an SMTP server on loopback (aiosmtpd)
that keeps every message it receives as an .eml file in MAIL_DIR (var/mail/), so that a developer
reads what a customer would have received with `cancel-backend mail` — no mail provider needed.

A message whose Message-ID was already received is kept once (a delivery repeated after a crash).
"""

from __future__ import annotations

import hashlib
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import List, Optional

from aiosmtpd.controller import Controller


def _name(raw: bytes, message_id: Optional[str]) -> str:
    key = (message_id or "").strip() or hashlib.sha256(raw).hexdigest()
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now / 1e9)) + f".{now % 10**9:09d}"
    return f"{stamp}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.eml"


class MailDirHandler:
    """aiosmtpd handler that writes each received message to `directory`."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        raw = envelope.original_content or envelope.content
        message_id = message_from_bytes(raw, policy=policy.default).get("Message-ID")
        name = _name(raw, message_id)
        if not any(p.name.endswith(name[-17:]) for p in self.directory.glob("*.eml")):
            tmp = self.directory / (name + ".part")
            tmp.write_bytes(raw)
            tmp.rename(self.directory / name)  # readers never see half a message
        return "250 Message accepted for delivery"


def start_sink(directory: Path, host: str = "127.0.0.1", port: int = 2525) -> Controller:
    """Start the sink in a thread; stop it with `.stop()`."""
    controller = Controller(MailDirHandler(directory), hostname=host, port=port)
    controller.start()
    return controller


def messages(directory: Path) -> List[Path]:
    """The kept messages, oldest first."""
    return sorted(Path(directory).glob("*.eml"))


def read(path: Path) -> EmailMessage:
    """One kept message, parsed."""
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def summary(path: Path) -> str:
    """One line: file, date, recipient, subject, attachments."""
    m = read(path)
    files = [name for p in m.iter_attachments() if (name := p.get_filename())]
    return f"{path.name}  {m['Date']}  to {m['To']}  {m['Subject']}" + (
        f"  [{', '.join(files)}]" if files else ""
    )


def show(path: Path) -> str:
    """Headers, the plain-text part and the attachment names of one message."""
    m = read(path)
    body = m.get_body(preferencelist=("plain", "html"))
    files = [
        f"attachment: {p.get_filename()} ({len(p.get_content())} bytes)"
        for p in m.iter_attachments()
        if p.get_filename()
    ]
    return "\n".join(
        [
            f"From: {m['From']}",
            f"To: {m['To']}",
            f"Date: {m['Date']}",
            f"Subject: {m['Subject']}",
            "",
            body.get_content() if body is not None else "",
            *files,
        ]
    )
