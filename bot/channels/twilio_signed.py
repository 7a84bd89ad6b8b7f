"""SMS channel (Twilio) that checks ``X-Twilio-Signature``.

Rasa 3.6's ``rasa.core.channels.twilio.TwilioInput`` passes every POST to the assistant without
checking that Twilio sent it. This subclass (channel name kept as ``twilio``: webhook
``<rasa>/webhooks/twilio/webhook``, tracker ``input_channel`` ``twilio``; use it *instead of*
Rasa's ``twilio:`` entry) adds:

- Signature check with ``twilio.request_validator.RequestValidator`` over the public webhook URL
  (``TWILIO_WEBHOOK_URL``: behind a proxy the URL the server sees differs from the one Twilio
  signed; unset, the request URL is used). Unsigned or wrongly signed requests get 403 and reach
  neither Rasa nor any store. The form is parsed keeping blank values (Twilio signs them too).
- Each ``MessageSid`` is handled once (a replay of a correctly signed request is acknowledged and
  dropped), bodies over 64 KiB get 413, other content types 415, a form without ``From`` 400.
- Keywords answered by the channel itself, on the whole message, case-insensitively:
  HELP/INFO (what the service is, how to stop), STOP/STOPALL/UNSUBSCRIBE/END/QUIT/OPTOUT
  (confirm the opt-out, then send nothing more to that number, whatever the source, until it
  texts START/UNSTOP). ``CANCEL`` and ``YES`` are deliberately *not* keywords: on a cancellation
  assistant they are conversation.
- Replies: long texts split into messages of at most ``SMS_MAX_CHARS`` (1600) characters on
  paragraph, line, sentence or word boundaries; buttons rendered as numbered lines
  (:mod:`bot.channels.numbered_options`); a reply that is just a number is mapped to the payload
  of that button of the bot's last message with buttons.
- Outgoing messages use twilio's asyncio HTTP client (no blocking call in Rasa's event loop), with
  the API base URL from ``TWILIO_API_URL`` (default https://api.twilio.com; tests point it at a
  stand-in).

Settings come from credentials.yml or, when left empty there, from the environment:
``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``TWILIO_NUMBER`` (or
``TWILIO_MESSAGING_SERVICE_SID``), ``TWILIO_WEBHOOK_URL``, ``TWILIO_API_URL``, ``SMS_STORE_URL``,
``SMS_MAX_CHARS``, ``SMS_SERVICE_NAME``. Unconfigured, the webhook answers 503.

credentials.yml::

    bot.channels.twilio_signed.TwilioSignedInput:
      # everything from the environment (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ...)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot import nlu_warmup
from bot.channels import limits, numbered_options
from bot.channels.common import DEFAULT_MAX_BODY_BYTES, body_too_large, content_type, refuse, setting
from bot.channels.identity import SMS_ID_PREFIX, sms_conversation_id
from bot.channels.sms_store import SmsStore
from bot.rasa_settings import rasa_settings

logger = logging.getLogger(__name__)

DEFAULT_TWILIO_API_URL = "https://api.twilio.com"
SMS_MAX_CHARS = 1600  # Twilio's limit for one message body
SEND_TIMEOUT_SECONDS = 15

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

DEFAULT_SERVICE_NAME = "Cancellation assistant"
HELP_TEXT = (
    "{service}: text us to cancel or manage your service, check a cancellation or ask for a "
    "person. Reply STOP to stop all messages from this number, START to resume. "
    "Msg & data rates may apply."
)
STOP_TEXT = (
    "You have been unsubscribed from {service} and will get no more messages from this number. "
    "Reply START to subscribe again."
)
START_TEXT = (
    "You are subscribed to {service} again. How can we help? Reply HELP for help, STOP to unsubscribe."
)

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def split_message(text: Text, limit: int = SMS_MAX_CHARS) -> List[Text]:
    """``text`` in parts of at most ``limit`` characters, cut at the best boundary available:
    paragraph, line, sentence end, word; a hard cut only for a single overlong word."""
    text = text.strip()
    parts: List[Text] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for pattern in (r"\n\s*\n", r"\n", r"[.!?;:]\s", r"\s"):
            matches = [m.end() for m in re.finditer(pattern, window) if m.end() <= limit]
            # a boundary in the first third would make a tiny part: try the next kind
            matches = [end for end in matches if end > limit // 3]
            if matches:
                cut = matches[-1]
                break
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def keyword(text: Optional[Text]) -> Text:
    """The message as a possible keyword: trimmed, upper case, trailing punctuation dropped."""
    return re.sub(r"[\s.!]+$", "", (text or "").strip()).upper()


class OneShotAsyncHttpClient(AsyncTwilioHttpClient):
    """twilio's asyncio HTTP client, one aiohttp session per request, always closed.

    (twilio 8.2's own client leaks its temporary session when the request fails.)
    """

    def __init__(self, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
        super().__init__(pool_connections=False, timeout=timeout)

    async def request(
        self,
        method: str,
        url: str,
        params: Optional[Dict[str, object]] = None,
        data: Optional[Dict[str, object]] = None,
        headers: Optional[Dict[str, str]] = None,
        auth: Optional[tuple] = None,
        timeout: Optional[float] = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        total = timeout if timeout is not None else self.timeout
        basic_auth = aiohttp.BasicAuth(login=auth[0], password=auth[1]) if auth else None
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=total)) as session:
            async with session.request(
                method.upper(),
                url,
                params=params,
                data=data,
                headers=headers,
                auth=basic_auth,
                allow_redirects=allow_redirects,
            ) as answer:
                return TwilioResponse(answer.status, await answer.text(), answer.headers)


class _Params(dict):
    """Form fields as {name: [values]} with ``getall`` for RequestValidator."""

    def getall(self, name: Text) -> List[Text]:
        return self[name]

    def first(self, name: Text) -> Optional[Text]:
        values = self.get(name)
        return values[0] if values else None


class TwilioSignedOutput(TwilioOutput):
    """Twilio output: asyncio client, configurable API URL, SMS-sized parts, opt-outs honoured."""

    def __init__(
        self,
        account_sid: Text,
        auth_token: Text,
        twilio_number: Optional[Text],
        *,
        api_url: Optional[Text] = None,
        messaging_service_sid: Optional[Text] = None,
        store: Optional[SmsStore] = None,
        max_chars: int = SMS_MAX_CHARS,
    ) -> None:
        Client.__init__(
            self,
            account_sid,
            auth_token,
            http_client=OneShotAsyncHttpClient(),
        )
        self.twilio_number = twilio_number
        self.messaging_service_sid = messaging_service_sid
        self.store = store
        self.max_chars = max_chars
        self.send_retry = 0
        self.max_retry = 1
        self.api.base_url = (api_url or DEFAULT_TWILIO_API_URL).rstrip("/")

    def _sender_fields(self) -> Dict[Text, Optional[Text]]:
        if self.messaging_service_sid:
            return {"messaging_service_sid": self.messaging_service_sid}
        return {"from_": self.twilio_number}

    async def _send_message(self, message_data: Dict[Text, Any], ignore_opt_out: bool = False) -> Any:
        to = message_data.get("to")
        if not ignore_opt_out and self.store is not None and to and await self.store.is_opted_out(to):
            logger.info("SMS to an opted-out number not sent")
            return None
        try:
            return await self.messages.create_async(**message_data)
        except TwilioRestException as error:
            logger.error("Twilio refused the message: %s %s", error.status, error.msg)
        except (TwilioException, aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Twilio API unreachable: %r", error)
        return None

    async def recipient(self, recipient_id: Text) -> Optional[Text]:
        """The phone number behind a pseudonymous conversation id (a number is used as is)."""
        if not recipient_id.startswith(SMS_ID_PREFIX):
            return recipient_id
        phone = await self.store.address_of(recipient_id) if self.store is not None else None
        if phone is None:
            logger.warning("SMS not sent: no number known for this conversation")
        return phone

    async def send_text(self, recipient_id: Text, text: Text, ignore_opt_out: bool = False) -> None:
        phone = await self.recipient(recipient_id)
        if phone is None:
            return
        for part in split_message(text, self.max_chars):
            await self._send_message(
                {"to": phone, "body": part, **self._sender_fields()}, ignore_opt_out=ignore_opt_out
            )

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_text(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text(recipient_id, numbered_options.format_options(text, buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        phone = await self.recipient(recipient_id)
        if phone is None:
            return
        await self._send_message({"to": phone, "media_url": [image], **self._sender_fields()})

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        phone = await self.recipient(recipient_id)
        if phone is None:
            return
        json_message.setdefault("to", phone)
        if not json_message.get("media_url"):
            json_message.setdefault("body", "")
        if not json_message.get("messaging_service_sid") and not json_message.get("from_"):
            json_message.update(self._sender_fields())
        await self._send_message(json_message)


class TwilioSignedInput(TwilioInput):
    """Twilio SMS input channel that only accepts requests signed by Twilio."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TwilioSignedInput":
        env = rasa_settings()
        credentials = credentials or {}
        return cls(
            account_sid=setting(credentials, "account_sid", env.twilio_account_sid),
            auth_token=setting(credentials, "auth_token", env.twilio_auth_token),
            twilio_number=setting(credentials, "twilio_number", env.twilio_number),
            messaging_service_sid=setting(
                credentials, "messaging_service_sid", env.twilio_messaging_service_sid
            ),
            webhook_url=setting(credentials, "webhook_url", env.twilio_webhook_url),
            api_url=setting(credentials, "api_url", env.twilio_api_url, DEFAULT_TWILIO_API_URL),
            store_url=setting(credentials, "store_url", env.sms_store_url),
            max_chars=int(setting(credentials, "max_chars", env.sms_max_chars, SMS_MAX_CHARS)),
            service_name=setting(credentials, "service_name", env.sms_service_name, DEFAULT_SERVICE_NAME),
        )

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        debug_mode: bool = False,
        *,
        messaging_service_sid: Optional[Text] = None,
        webhook_url: Optional[Text] = None,
        api_url: Optional[Text] = None,
        store_url: Optional[Text] = None,
        store: Optional[SmsStore] = None,
        max_chars: int = SMS_MAX_CHARS,
        service_name: Text = DEFAULT_SERVICE_NAME,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self.messaging_service_sid = messaging_service_sid
        self.webhook_url = webhook_url
        self.api_url = api_url or DEFAULT_TWILIO_API_URL
        self.store_url = store_url
        self._store = store
        self.max_chars = max(160, int(max_chars))
        self.service_name = service_name
        self.max_body_bytes = max_body_bytes
        if not self.configured:
            logger.warning(
                "SMS channel not configured (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / "
                "TWILIO_NUMBER unset): its webhook answers 503."
            )
        elif not webhook_url:
            logger.warning(
                "TWILIO_WEBHOOK_URL unset: Twilio signatures are checked against the URL this "
                "server sees, which differs behind a proxy or load balancer."
            )

    @property
    def configured(self) -> bool:
        return bool(
            self.account_sid and self.auth_token and (self.twilio_number or self.messaging_service_sid)
        )

    @property
    def store(self) -> SmsStore:
        if self._store is None:
            self._store = SmsStore(self.store_url)
        return self._store

    def get_output_channel(self) -> OutputChannel:
        return TwilioSignedOutput(
            self.account_sid,
            self.auth_token,
            self.twilio_number,
            api_url=self.api_url,
            messaging_service_sid=self.messaging_service_sid,
            store=self.store,
            max_chars=self.max_chars,
        )

    # ------------------------------------------------------------------ checks

    def signed_url(self, request: Request) -> Text:
        return self.webhook_url or request.url

    def has_valid_signature(self, request: Request, params: _Params) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        try:
            return RequestValidator(self.auth_token).validate(self.signed_url(request), params, signature)
        except Exception as error:  # odd bytes in a header or URL: not a valid signature
            logger.warning("Twilio signature could not be checked: %r", error)
            return False

    @staticmethod
    def parse_form(request: Request) -> _Params:
        body = (request.body or b"").decode("utf-8")  # UnicodeDecodeError: malformed
        return _Params(parse_qs(body, keep_blank_values=True, strict_parsing=False))

    # --------------------------------------------------------------- handling

    async def _handle(
        self, request: Request, params: _Params, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        sender = params.first("From")
        if not sender:
            return refuse(400, "missing From")
        if not limits.valid_unicode(sender) or len(sender) > 32:
            return refuse(400, "malformed From")
        text = params.first("Body") or ""
        message_sid = params.first("MessageSid") or params.first("SmsMessageSid")
        # Twilio always sends a MessageSid; a signed request without one is deduplicated on its
        # body, so that replaying it does not make the assistant answer (or act) again.
        delivery_id = message_sid or "body-" + hashlib.sha256(request.body or b"").hexdigest()[:40]
        if not await self.store.mark_handled(delivery_id):
            logger.info("Twilio message already handled: delivery dropped")
            return self._ok()

        out = self.get_output_channel()
        word = keyword(text)
        if word in STOP_WORDS:
            await self.store.set_opted_out(sender, True)
            await out.send_text(sender, STOP_TEXT.format(service=self.service_name), ignore_opt_out=True)
            return self._ok()
        if word in START_WORDS:
            await self.store.set_opted_out(sender, False)
            await out.send_text(sender, START_TEXT.format(service=self.service_name))
            return self._ok()
        if word in HELP_WORDS:
            await out.send_text(sender, HELP_TEXT.format(service=self.service_name), ignore_opt_out=True)
            return self._ok()
        if await self.store.is_opted_out(sender):
            logger.info("Message from an opted-out number not passed on (it must text START first)")
            return self._ok()

        if self._is_location_message(request, params):
            text = "/locationData{{'Latitude': {lat},'Longitude': {long}}}".format(
                lat=params.first("Latitude"), long=params.first("Longitude")
            )
        if not text.strip():
            return self._ok()  # e.g. a picture without text: nothing to answer
        try:
            text = limits.check_message(text)
        except limits.BadMessage as bad:
            await out.send_text(sender, bad.reply)
            return self._ok()

        conversation_id = sms_conversation_id(sender)
        if await self.store.address_of(conversation_id) != sender:
            await self.store.remember_address(conversation_id, sender)
        agent = getattr(request.app.ctx, "agent", None)
        payload = await numbered_options.payload_for_reply(
            getattr(agent, "tracker_store", None), conversation_id, text
        )
        if payload is not None:
            text = payload
        # @ signs get corrupted in SMSes by some carriers
        text = text.replace("¡", "@")
        try:
            await on_new_message(
                UserMessage(
                    text,
                    out,
                    conversation_id,
                    input_channel=self.name(),
                    metadata={"twilio_message_sid": message_sid} if message_sid else None,
                )
            )
        except Exception as error:
            logger.error("SMS message could not be handled: %r", error)
            logger.debug("details", exc_info=True)
        return self._ok()

    @staticmethod
    def _is_location_message(request: Request, params: Optional[_Params] = None) -> bool:
        if params is None:
            return False
        return bool(params.first("Latitude") and params.first("Longitude"))

    @staticmethod
    def _ok() -> HTTPResponse:
        return response.text(TWIML_EMPTY, content_type="text/xml")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("twilio_webhook", __name__)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "not configured"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.configured:
                return refuse(503, "sms channel not configured")
            if body_too_large(request, self.max_body_bytes):
                return refuse(413, "body too large")
            if content_type(request) != "application/x-www-form-urlencoded":
                return refuse(415, "unsupported content type")
            try:
                params = self.parse_form(request)
            except (UnicodeDecodeError, ValueError):
                return refuse(400, "malformed body")
            if not self.has_valid_signature(request, params):
                logger.warning("Twilio webhook: request without a valid signature refused")
                return refuse(403, "invalid or missing signature")
            return await self._handle(request, params, on_new_message)

        nlu_warmup.add_to(twilio_webhook)
        return twilio_webhook
