"""REST channel behind a token, with input limits (replaces Rasa's ``rest:`` entry).

Rasa's REST channel takes any sender id a client picks, so whoever knows (or guesses) another
channel's conversation id could continue that conversation. Here:

- every request needs ``Authorization: Bearer $REST_CHANNEL_TOKEN``; without the setting the
  channel answers 503, unless ``REST_CHANNEL_OPEN=1`` (development only: ``make run`` on a
  laptop, documented in README and docs/security.md) opens it to anyone who can reach the port;
- the tracker's input channel is always ``rest`` (Rasa lets the body name any channel, which
  would defeat the verification handle's channel binding), and ids of the other channels'
  conversations (``sms-…``, ``slack-…``, signed socket.io ids) are refused as senders;
- the body must be a JSON object of at most ``MAX_BODY_BYTES`` (413), nested at most 10 levels,
  valid Unicode; ``sender`` a short id from a safe alphabet; ``message`` valid text of at most
  ``MAX_MESSAGE_CHARS`` characters (413 with a customer-readable ``message``). Errors are JSON
  ``{"error": code, "message": text}``.

Answers are collected (no streaming). credentials.yml::

    bot.channels.rest.TokenRestInput:
"""

from __future__ import annotations

import hmac
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import nlu_warmup
from bot.channels import limits
from bot.channels.common import setting
from bot.channels.identity import is_other_channels_id
from bot.rasa_settings import rasa_settings

logger = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


class TokenRestInput(RestInput):
    """REST input channel (name ``rest``) that needs a bearer token and checks its input."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TokenRestInput":
        env = rasa_settings()
        return cls(
            token=setting(credentials, "token", env.rest_channel_token),
            open_without_token=str(setting(credentials, "open", env.rest_channel_open, "0")) == "1",
        )

    def __init__(self, token: Optional[Text] = None, open_without_token: bool = False) -> None:
        self.token = token or ""
        self.open_without_token = open_without_token and not self.token
        if self.open_without_token:
            logger.warning("REST channel open without a token (REST_CHANNEL_OPEN=1): development only.")
        elif not self.token:
            logger.warning("REST channel closed: REST_CHANNEL_TOKEN unset (it answers 503).")

    def authorized(self, request: Request) -> bool:
        if self.open_without_token:
            return True
        given = request.headers.get("Authorization") or ""
        expected = f"Bearer {self.token}"
        return bool(self.token) and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())

    def parse(self, request: Request) -> Dict[Text, Any]:
        """The checked ``sender``, ``message`` and ``metadata``; raise ``limits.BadMessage``."""
        if len(request.body or b"") > limits.max_body_bytes():
            raise limits.BadMessage("body_too_large", "The request body is too large.", 413)
        try:
            body = limits.load_json(request.body or b"")
        except ValueError:
            raise limits.BadMessage("malformed_body", "The body must be a JSON object (UTF-8).") from None
        if not isinstance(body, dict):
            raise limits.BadMessage("malformed_body", "The body must be a JSON object.")
        sender = body.get("sender")
        if sender is None:
            sender = "default"  # as Rasa's REST channel
        if not limits.valid_sender_id(sender):
            raise limits.BadMessage(
                "invalid_sender",
                f"sender must be 1 to {limits.MAX_SENDER_ID_CHARS} characters of A-Z a-z 0-9 _ . : @ + = -",
            )
        if is_other_channels_id(sender):
            raise limits.BadMessage("invalid_sender", "sender is reserved for another channel")
        text = limits.check_message(body.get("message"))
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise limits.BadMessage("malformed_body", "metadata must be a JSON object.")
        return {"sender": sender, "message": text, "metadata": metadata}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest_webhook = Blueprint("rest_webhook_token", __name__)

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if (self.token or self.open_without_token) else "closed"})

        @rest_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not (self.token or self.open_without_token):
                return _error(503, "rest_channel_closed", "The REST channel is not enabled here.")
            if not self.authorized(request):
                return _error(401, "unauthorized", "A valid bearer token is required.")
            try:
                parsed = self.parse(request)
            except limits.BadMessage as bad:
                return _error(bad.status, bad.code, bad.reply)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        parsed["message"],
                        collector,
                        parsed["sender"],
                        input_channel=self.name(),
                        metadata=parsed["metadata"],
                    )
                )
            except CancelledError:
                logger.error("REST message timed out")
            except Exception:
                logger.exception("REST message could not be handled")
            return response.json(collector.messages)

        nlu_warmup.add_to(rest_webhook)
        return rest_webhook


def rest_headers() -> Dict[str, str]:
    """Headers a trusted client of this process's environment sends to the REST channel."""
    token = rasa_settings().rest_channel_token
    return {"Authorization": f"Bearer {token}"} if token else {}
