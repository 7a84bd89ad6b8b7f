"""What the SMS channel must remember outside a conversation: opt-outs and handled messages.

Two tables in the database named by ``SMS_STORE_URL`` (SQLAlchemy URL; default
``sqlite:///var/sms.sqlite3``; in production the PostgreSQL database shared by the Rasa replicas):

- ``sms_opt_out``: numbers that texted STOP. Nothing is sent to them until they text START.
- ``sms_handled_message``: Twilio ``MessageSid`` of each message handled, so that a replayed or
  re-delivered webhook is not answered twice (rows older than a day are pruned).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path
from typing import Optional, Text

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

DEFAULT_URL = "sqlite:///var/sms.sqlite3"
HANDLED_TTL = dt.timedelta(days=1)

metadata = sa.MetaData()

opt_out = sa.Table(
    "sms_opt_out",
    metadata,
    sa.Column("phone", sa.String(32), primary_key=True),
    sa.Column("opted_out_at", sa.DateTime, nullable=False),
)

handled = sa.Table(
    "sms_handled_message",
    metadata,
    sa.Column("message_sid", sa.String(64), primary_key=True),
    sa.Column("handled_at", sa.DateTime, nullable=False, index=True),
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class SmsStore:
    """Opt-out list and handled-message ids (blocking SQLAlchemy, called through threads)."""

    def __init__(self, url: Optional[Text] = None) -> None:
        self.url = url or os.environ.get("SMS_STORE_URL") or DEFAULT_URL
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        metadata.create_all(self.engine)

    # -- blocking -------------------------------------------------------------------

    def is_opted_out_sync(self, phone: Text) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(opt_out.c.phone).where(opt_out.c.phone == phone)).first()
        return row is not None

    def set_opted_out_sync(self, phone: Text, opted_out: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(opt_out.delete().where(opt_out.c.phone == phone))
            if opted_out:
                conn.execute(opt_out.insert().values(phone=phone, opted_out_at=_now()))

    def mark_handled_sync(self, message_sid: Text) -> bool:
        """Record ``message_sid``; False if it was handled before."""
        now = _now()
        try:
            with self.engine.begin() as conn:
                conn.execute(handled.delete().where(handled.c.handled_at < now - HANDLED_TTL))
                conn.execute(handled.insert().values(message_sid=message_sid, handled_at=now))
        except IntegrityError:
            return False
        return True

    # -- async ----------------------------------------------------------------------

    async def is_opted_out(self, phone: Text) -> bool:
        return await asyncio.to_thread(self.is_opted_out_sync, phone)

    async def set_opted_out(self, phone: Text, opted_out: bool) -> None:
        await asyncio.to_thread(self.set_opted_out_sync, phone, opted_out)

    async def mark_handled(self, message_sid: Text) -> bool:
        return await asyncio.to_thread(self.mark_handled_sync, message_sid)
