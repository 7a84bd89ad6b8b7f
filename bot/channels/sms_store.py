"""What the SMS and Slack channels must remember outside a conversation: opt-outs, handled
messages and where to reach the customer of a pseudonymous conversation id.

Two tables in the database named by ``SMS_STORE_URL`` (SQLAlchemy URL; default
``sqlite:///var/sms.sqlite3``; in production the PostgreSQL database shared by the Rasa replicas):

- ``sms_opt_out``: numbers that texted STOP. Nothing is sent to them until they text START.
- ``sms_handled_message``: Twilio ``MessageSid`` of each message handled, so that a replayed or
  re-delivered webhook is not answered twice (rows older than a day are pruned).
- ``channel_address``: the phone number (SMS) or Slack channel behind each pseudonymous
  conversation id (``bot/channels/identity.py``), so that replies sent later (a staff agent's,
  through Rasa's HTTP API) reach the customer while the tracker never holds the number.
  This store is therefore as sensitive as the customer list: keep it in a database only the Rasa
  servers can read (docs/security.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Optional, Text

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.rasa_settings import rasa_settings

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


address = sa.Table(
    "channel_address",
    metadata,
    sa.Column("conversation_id", sa.String(64), primary_key=True),
    sa.Column("address", sa.String(255), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


def create_tables(engine: sa.engine.Engine, attempts: int = 3) -> None:
    """Create the tables that are missing. Several Rasa replicas start at once and each creates
    them on its first webhook: the loser of a race (PostgreSQL's unique violation on the table's
    type, SQLite's "already exists") finds them there on the next attempt."""
    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except sa.exc.DBAPIError:
            if attempt == attempts - 1:
                raise


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class SmsStore:
    """Opt-out list and handled-message ids (blocking SQLAlchemy, called through threads)."""

    def __init__(self, url: Optional[Text] = None) -> None:
        self.url = url or rasa_settings().sms_store_url or DEFAULT_URL
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(self.url, future=True, pool_pre_ping=True)
        create_tables(self.engine)

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

    def remember_address_sync(self, conversation_id: Text, where: Text) -> None:
        """Record where the customer of ``conversation_id`` is reached (phone or Slack channel)."""
        with self.engine.begin() as conn:
            updated = conn.execute(
                address.update()
                .where(address.c.conversation_id == conversation_id)
                .values(address=where, updated_at=_now())
            ).rowcount
            if not updated:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            address.insert().values(
                                conversation_id=conversation_id, address=where, updated_at=_now()
                            )
                        )
                except IntegrityError:  # recorded concurrently
                    pass

    def address_of_sync(self, conversation_id: Text) -> Optional[Text]:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(address.c.address).where(address.c.conversation_id == conversation_id)
            ).scalar()

    # -- async ----------------------------------------------------------------------

    async def is_opted_out(self, phone: Text) -> bool:
        return await asyncio.to_thread(self.is_opted_out_sync, phone)

    async def set_opted_out(self, phone: Text, opted_out: bool) -> None:
        await asyncio.to_thread(self.set_opted_out_sync, phone, opted_out)

    async def mark_handled(self, message_sid: Text) -> bool:
        return await asyncio.to_thread(self.mark_handled_sync, message_sid)

    async def remember_address(self, conversation_id: Text, where: Text) -> None:
        await asyncio.to_thread(self.remember_address_sync, conversation_id, where)

    async def address_of(self, conversation_id: Text) -> Optional[Text]:
        return await asyncio.to_thread(self.address_of_sync, conversation_id)
