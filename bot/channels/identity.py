"""Conversation ids a client cannot forge (docs/security.md, "Channels and conversation identity").

- socket.io session ids are issued by the server: ``<32 hex random>.<HMAC prefix>``, checked
  when a page reload brings one back;
- SMS and Slack conversation ids are pseudonyms: ``sms-<HMAC(phone)>``, ``slack-<HMAC(user)>``,
  so a phone number or a Slack user id is never a conversation id (in the tracker, the backend's
  tables, the console) and cannot be typed into another channel to reach that conversation.

The key is ``CONVERSATION_ID_SECRET`` (``make run`` generates one in ``.env``; every Rasa replica
needs the same). Unset, a random key is drawn at start: ids then change when Rasa restarts (a
warning says so).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any, Optional

from bot.rasa_settings import rasa_settings

logger = logging.getLogger(__name__)

_SIGNATURE_HEX = 32
SMS_ID_PREFIX = "sms-"
SLACK_ID_PREFIX = "slack-"
_fallback_key: Optional[bytes] = None


def _key() -> bytes:
    global _fallback_key
    configured = rasa_settings().conversation_id_secret
    if configured:
        return configured.encode("utf-8")
    if _fallback_key is None:
        logger.warning("CONVERSATION_ID_SECRET unset: conversation ids change when Rasa restarts.")
        _fallback_key = secrets.token_bytes(32)
    return _fallback_key


def _mac(purpose: str, value: str) -> str:
    return hmac.new(_key(), f"{purpose}\x1f{value}".encode("utf-8"), hashlib.sha256).hexdigest()


def new_signed_session_id() -> str:
    """A fresh socket.io session id signed by this server."""
    nonce = secrets.token_hex(16)
    return f"{nonce}.{_mac('socketio', nonce)[:_SIGNATURE_HEX]}"


def valid_signed_session_id(value: Any) -> bool:
    """True for a session id this server (or a replica with the same key) issued."""
    if not isinstance(value, str) or len(value) != 32 + 1 + _SIGNATURE_HEX or value[32] != ".":
        return False
    nonce, signature = value[:32], value[33:]
    return hmac.compare_digest(signature, _mac("socketio", nonce)[:_SIGNATURE_HEX])


def is_other_channels_id(value: str) -> bool:
    """True for an id only the socket.io, SMS or Slack channel may use (REST refuses it)."""
    return value.startswith((SMS_ID_PREFIX, SLACK_ID_PREFIX)) or valid_signed_session_id(value)


def sms_conversation_id(phone: str) -> str:
    """The conversation id of the SMS customer texting from ``phone``."""
    return SMS_ID_PREFIX + _mac("sms", phone.strip())[:40]


def slack_conversation_id(raw: str) -> str:
    """The conversation id of a Slack conversation (Rasa's user / user_channel / thread id)."""
    return SLACK_ID_PREFIX + _mac("slack", raw)[:40]
