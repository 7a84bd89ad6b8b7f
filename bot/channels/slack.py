"""Slack channel: Rasa's Slack connector with stricter request checks.

What Rasa 3.6's ``rasa.core.channels.slack.SlackInput`` does, and what this subclass changes:

- Signature: Rasa checks ``X-Slack-Signature`` (HMAC-SHA256 of ``v0:<timestamp>:<body>``) and
  refuses timestamps more than 5 minutes from local time, with status 400. Kept, written again
  so that a garbage header cannot raise (Rasa's ``hmac.compare_digest`` on a non-ASCII header
  raises and is logged at ERROR level) and answered with 401.
- Retries: Rasa only drops a retry (``X-Slack-Retry-Num``) when its ``X-Slack-Retry-Reason`` is
  ``http_timeout``; a retry for ``http_error`` or ``connection_failed`` is processed again and the
  customer gets a second reply. Here every delivery is de-duplicated by Slack's ``event_id``: a
  second delivery of the same event is acknowledged (200, ``X-Slack-No-Retry: 1``) and dropped.
  The event id is kept in Redis when ``REDIS_URL`` is set (shared by the replicas: a retry
  reaching another replica is dropped at once, bot/channels/replicas.py), else in memory, and in
  the user event's metadata (``slack_event_id``), so a retry is also recognised from the stored
  conversation.
  A retry whose event was never received is processed (the first delivery was lost).
- Malformed bodies (bad JSON, a form without ``payload``, wrong types) are refused with 400
  where Rasa raised (500 with a traceback); bodies over 64 KiB with 413; other content types 415.
- The URL verification handshake answers ``{"challenge": ...}``.
- Settings come from credentials.yml or, when left empty there, from the environment:
  ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``, ``SLACK_CHANNEL`` (optional), ``SLACK_API_URL``
  (default https://slack.com/api/: the Web API base URL, pointed at a stand-in in tests). Without
  a token and signing secret the channel starts but refuses every request with 503.
- Replies are posted with ``slack_sdk``'s ``AsyncWebClient`` using that ``base_url``, without
  Rasa's ``as_user=true`` (refused with ``invalid_arguments`` for Slack apps created since 2020).

credentials.yml::

    bot.channels.slack.SecureSlackInput:
      # everything from the environment (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, ...)

Webhook (Event Subscriptions and Interactivity request URL): ``<rasa>/webhooks/slack/webhook``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import nlu_warmup
from bot.channels import limits
from bot.channels.common import (
    DEFAULT_MAX_BODY_BYTES,
    body_too_large,
    content_type,
    refuse,
    setting,
)
from bot.channels.identity import SLACK_ID_PREFIX, slack_conversation_id
from bot.channels.replicas import SharedSeenIds
from bot.channels.sms_store import SmsStore
from bot.rasa_settings import rasa_settings

logger = logging.getLogger(__name__)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
MAX_CLOCK_SKEW_SECONDS = 5 * 60
EVENT_ID_KEY = "slack_event_id"


def _api_url(url: Optional[Text]) -> Text:
    url = url or DEFAULT_SLACK_API_URL
    return url if url.endswith("/") else url + "/"


class SlackOutput(SlackBot):
    """Rasa's Slack output with a configurable Web API base URL, and without ``as_user``.

    Rasa posts every message with ``as_user=true``, which only classic Slack apps may pass:
    apps created today (granular bot scopes) get ``invalid_arguments``. It is dropped here.
    """

    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_url: Optional[Text] = None,
        store: Optional[SmsStore] = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, proxy=proxy, base_url=_api_url(api_url))
        self.store = store

    async def _post_message(self, channel: Text, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)
        if channel and channel.startswith(SLACK_ID_PREFIX):  # a pseudonymous conversation id
            address = await self.store.address_of(channel) if self.store is not None else None
            if address is None:
                logger.warning("Slack message not sent: no channel known for this conversation")
                return
            channel = address
        await super()._post_message(channel, **kwargs)


class MalformedEvent(ValueError):
    """The (correctly signed) body is not a Slack event we can read."""


class SecureSlackInput(SlackInput):
    """Slack input channel: signed requests only, each event handled once."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SecureSlackInput":
        env = rasa_settings()
        credentials = credentials or {}
        return cls(
            slack_token=setting(credentials, "slack_token", env.slack_bot_token, ""),
            slack_channel=setting(credentials, "slack_channel", env.slack_channel),
            proxy=credentials.get("proxy"),
            slack_retry_reason_header=credentials.get("slack_retry_reason_header", "x-slack-retry-reason"),
            slack_retry_number_header=credentials.get("slack_retry_number_header", "x-slack-retry-num"),
            errors_ignore_retry=credentials.get("errors_ignore_retry"),
            use_threads=credentials.get("use_threads", False),
            slack_signing_secret=setting(credentials, "slack_signing_secret", env.slack_signing_secret, ""),
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
            api_url=setting(credentials, "slack_api_url", env.slack_api_url, DEFAULT_SLACK_API_URL),
            max_body_bytes=int(credentials.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES)),
            store_url=setting(credentials, "store_url", env.sms_store_url),
        )

    def __init__(
        self,
        slack_token: Text,
        slack_channel: Optional[Text] = None,
        proxy: Optional[Text] = None,
        slack_retry_reason_header: Optional[Text] = "x-slack-retry-reason",
        slack_retry_number_header: Optional[Text] = "x-slack-retry-num",
        errors_ignore_retry: Optional[list] = None,
        use_threads: Optional[bool] = False,
        slack_signing_secret: Text = "",
        conversation_granularity: Optional[Text] = "sender",
        api_url: Optional[Text] = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        store_url: Optional[Text] = None,
        store: Optional[SmsStore] = None,
    ) -> None:
        self.api_url = _api_url(api_url)
        self.store_url = store_url
        self._store = store
        self.max_body_bytes = max_body_bytes
        self._seen = SharedSeenIds("slack")
        super().__init__(
            slack_token,
            slack_channel,
            proxy,
            slack_retry_reason_header,
            slack_retry_number_header,
            errors_ignore_retry,
            use_threads,
            slack_signing_secret,
            conversation_granularity,
        )

    # Rasa refuses to start without a signing secret; this channel starts and refuses requests,
    # so that one credentials.yml serves installations with and without Slack.
    def _validate_credentials(self) -> None:
        if not self.configured:
            logger.warning(
                "Slack channel not configured (SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET unset): "
                "its webhook answers 503."
            )

    @property
    def configured(self) -> bool:
        return bool(self.slack_token and self.slack_signing_secret)

    @property
    def store(self) -> SmsStore:
        """Where the Slack channel of each pseudonymous conversation id is kept."""
        if self._store is None:
            self._store = SmsStore(self.store_url)
        return self._store

    async def conversation_id(self, raw: Text, out_channel: Optional[Text]) -> Text:
        """The pseudonymous conversation id of Rasa's ``raw`` one (user id, or user, channel and
        thread), remembering the Slack channel replies go to."""
        conversation_id = slack_conversation_id(raw)
        where = out_channel or raw.split("_")[0]
        if where and await self.store.address_of(conversation_id) != where:
            await self.store.remember_address(conversation_id, where)
        return conversation_id

    # ------------------------------------------------------------------ checks

    def verify_signature(self, request: Request) -> bool:
        """True if the request carries a valid, fresh Slack signature."""
        signature = request.headers.get("X-Slack-Signature") or ""
        timestamp = request.headers.get("X-Slack-Request-Timestamp") or ""
        if not signature or not (timestamp.isascii() and timestamp.isdigit()):
            return False
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            return False  # a replay of an old request, or a badly wrong clock
        base = b"v0:" + timestamp.encode("ascii") + b":" + (request.body or b"")
        digest = hmac.new(self.slack_signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
        expected = f"v0={digest}".encode("ascii")
        return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))

    # Kept for callers of Rasa's API.
    def is_request_from_slack_authentic(self, request: Request) -> bool:
        return self.verify_signature(request)

    async def _handled_before(self, request: Request, conversation_id: Text, event_id: Text) -> bool:
        """True if the stored conversation already has a user message for ``event_id``."""
        agent = getattr(request.app.ctx, "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return False
        try:
            tracker = await store.retrieve(conversation_id)
        except Exception as error:
            logger.warning("Could not read tracker %s to check a Slack retry: %s", conversation_id, error)
            return False
        if tracker is None:
            return False
        for event in reversed(list(tracker.events)[-200:]):
            metadata = getattr(event, "metadata", None) or {}
            if getattr(event, "type_name", None) == "user" and metadata.get(EVENT_ID_KEY) == event_id:
                return True
        return False

    # ------------------------------------------------------------- dispatching

    def _dispatch(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Text,
        metadata: Dict[Text, Any],
    ) -> None:
        """Hand the message to Rasa in the background (Slack wants an answer within 3 s)."""
        thread_id = metadata.get("thread_id") if self.use_threads else None
        user_msg = UserMessage(
            text,
            self.get_output_channel(metadata.get("out_channel"), thread_id),
            sender_id,
            input_channel=self.name(),
            metadata=metadata,
        )

        async def handle() -> None:
            try:
                await on_new_message(user_msg)
            except Exception:
                logger.exception("Slack message of %s could not be handled", sender_id)

        task = asyncio.create_task(handle())
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)

    @staticmethod
    def _event_metadata(output: Dict[Text, Any]) -> Dict[Text, Any]:
        event = output.get("event") or {}
        users = output.get("authed_users")
        if not isinstance(users, list):
            users = []
            authorizations = output.get("authorizations")
            if isinstance(authorizations, list) and authorizations and isinstance(authorizations[0], dict):
                if authorizations[0].get("user_id"):
                    users.append(authorizations[0]["user_id"])
        return {
            "out_channel": event.get("channel"),
            "thread_id": event.get("thread_ts", event.get("ts")),
            "users": [u for u in users if isinstance(u, str)],
        }

    async def _handle_event(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        try:
            output = limits.load_json(request.body or b"", limit=20)  # no recursion on deep nesting
        except ValueError:
            raise MalformedEvent("body is not JSON (or nested too deeply)") from None
        if not isinstance(output, dict):
            raise MalformedEvent("body is not a JSON object")
        if output.get("type") == "url_verification":
            return response.json({"challenge": output.get("challenge")})
        event = output.get("event")
        if event is not None and not isinstance(event, dict):
            raise MalformedEvent("event is not an object")
        if not self._is_user_message(output):
            return response.text("Bot message delivered.")
        text, user = (event.get("text"), event.get("user")) if event is not None else (None, None)
        if not isinstance(text, str) or not isinstance(user, str) or not user:
            raise MalformedEvent("message event without text or user")
        if not limits.valid_sender_id(user):
            raise MalformedEvent("malformed user id")

        metadata = self._event_metadata(output)
        if not self._is_supported_channel(output, metadata):
            logger.info("Slack message on unsupported channel %s ignored", metadata["out_channel"])
            return response.text("channel not supported.")
        conversation_id = await self.conversation_id(
            self._get_conversation_id(user, metadata["out_channel"], metadata["thread_id"]),
            metadata["out_channel"],
        )

        event_id = output.get("event_id")
        if not (isinstance(event_id, str) and event_id):
            # Slack always sends one; a signed event without it is deduplicated on its signed
            # bytes (a replay must come within the 5 minutes the signature is fresh).
            event_id = (
                "body-"
                + hashlib.sha256(
                    (request.headers.get("X-Slack-Request-Timestamp") or "").encode()
                    + b":"
                    + (request.body or b"")
                ).hexdigest()[:40]
            )
        metadata[EVENT_ID_KEY] = event_id
        duplicate = not await self._seen.add(event_id)
        if not duplicate and (request.headers.get(self.retry_num_header)):
            duplicate = await self._handled_before(request, conversation_id, event_id)
        if duplicate:
            logger.info(
                "Slack delivery of event %s dropped: already handled (retry %s, reason %s)",
                event_id,
                request.headers.get(self.retry_num_header),
                request.headers.get(self.retry_reason_header),
            )
            return response.text("", headers={"X-Slack-No-Retry": "1"})

        try:
            text = limits.check_message(text)
        except limits.BadMessage as bad:
            await self.get_output_channel(metadata["out_channel"], metadata["thread_id"]).send_text_message(
                conversation_id, bad.reply
            )
            return response.text("")
        self._dispatch(
            on_new_message,
            self._sanitize_user_message(text, metadata["users"]),
            conversation_id,
            metadata,
        )
        return response.text("")

    async def _handle_interaction(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        raw = request.form.get("payload")
        if not raw:
            raise MalformedEvent("form without payload")
        try:
            payload = limits.load_json(raw.encode("utf-8", "surrogatepass"), limit=20)
        except ValueError:
            raise MalformedEvent("payload is not JSON") from None
        if not isinstance(payload, dict):
            raise MalformedEvent("payload is not an object")
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return response.text("Nothing to do.")
        if not self._is_interactive_message(payload):
            return response.text("Unsupported interaction.")
        user = payload.get("user") or {}
        sender_id = user.get("id") if isinstance(user, dict) else None
        if not limits.valid_sender_id(sender_id):
            raise MalformedEvent("interaction without a valid user")
        text = self._get_interactive_response(actions[0])
        if not isinstance(text, str):
            return response.text("User clicked link button")

        trigger_id = payload.get("trigger_id")
        if isinstance(trigger_id, str) and trigger_id and not await self._seen.add("trigger:" + trigger_id):
            return response.text("", headers={"X-Slack-No-Retry": "1"})

        channel = payload.get("channel") or {}
        message = payload.get("message") or {}
        metadata = {
            "out_channel": channel.get("id") if isinstance(channel, dict) else None,
            "thread_id": message.get("thread_ts", message.get("ts")) if isinstance(message, dict) else None,
            "users": [sender_id],
        }
        out_channel = channel.get("id") if isinstance(channel, dict) else None
        conversation_id = await self.conversation_id(
            self._get_conversation_id(sender_id, metadata["out_channel"], metadata["thread_id"]), out_channel
        )
        try:
            text = limits.check_message(text)
        except limits.BadMessage:
            raise MalformedEvent("unreadable button payload") from None
        self._dispatch(on_new_message, text, conversation_id, metadata)
        return response.text("")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "not configured"})

        @slack_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return refuse(503, "slack channel not configured")
            if body_too_large(request, self.max_body_bytes):
                return refuse(413, "body too large")
            if not self.verify_signature(request):
                logger.warning("Slack webhook: request without a valid, fresh signature refused")
                return refuse(401, "invalid or missing signature")
            kind = content_type(request)
            try:
                if kind == "application/json":
                    return await self._handle_event(request, on_new_message)
                if kind == "application/x-www-form-urlencoded":
                    return await self._handle_interaction(request, on_new_message)
            except (MalformedEvent, KeyError, TypeError, AttributeError, ValueError) as error:
                logger.warning("Slack webhook: malformed body refused (%s)", error)
                return refuse(400, "malformed body")
            return refuse(415, "unsupported content type")

        nlu_warmup.add_to(slack_webhook)
        return slack_webhook

    def get_output_channel(
        self, channel: Optional[Text] = None, thread_id: Optional[Text] = None
    ) -> OutputChannel:
        channel = channel or self.slack_channel
        return SlackOutput(self.slack_token, channel, thread_id, self.proxy, self.api_url, store=self.store)
