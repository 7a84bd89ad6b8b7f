"""The two providers of customer messages: an SMTP server (aiosmtplib) and Twilio's Messages API.

Each `send` returns the provider's id of the message or raises `DeliveryError` with a short
reason (never a secret: no password, token or message body in it).
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Optional

import aiohttp
import aiosmtplib

from backend.config import Settings


class DeliveryError(Exception):
    """The provider did not take the message; str() is a short reason for the console."""


class SmtpTransport:
    """Email through the SMTP server of the settings (SMTP_HOST, SMTP_PORT, SMTP_SECURITY, ...)."""

    def __init__(self, settings: Settings, timeout: float = 20.0):
        self.settings, self.timeout = settings, timeout

    async def send(self, message: EmailMessage) -> str:
        s = self.settings
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_user,
                password=s.smtp_password,
                use_tls=s.smtp_security == "tls",
                start_tls=True if s.smtp_security == "starttls" else False,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.code}") from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise DeliveryError(type(exc).__name__) from None
        return str(message["Message-ID"])


class TwilioTransport:
    """SMS through Twilio's Messages API (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER or
    TWILIO_MESSAGING_SERVICE_SID, TWILIO_API_URL), with Twilio's idempotency token per message."""

    def __init__(self, settings: Settings, timeout: float = 15.0):
        self.settings = settings
        self._http: Optional[aiohttp.ClientSession] = None
        self.timeout = timeout

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def send(self, to: str, body: str, idempotency_token: str) -> str:
        s = self.settings
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        form = {"To": to, "Body": body}
        if s.twilio_messaging_service_sid:
            form["MessagingServiceSid"] = s.twilio_messaging_service_sid
        else:
            form["From"] = s.twilio_number or ""
        url = f"{s.twilio_api_url}/2010-04-01/Accounts/{s.twilio_account_sid}/Messages.json"
        try:
            async with self._http.post(
                url,
                data=form,
                auth=aiohttp.BasicAuth(s.twilio_account_sid or "", s.twilio_auth_token or ""),
                headers={"I-Twilio-Idempotency-Token": idempotency_token},
            ) as answer:
                if answer.status not in (200, 201):
                    raise DeliveryError(f"Twilio HTTP {answer.status}")
                data = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise DeliveryError(type(exc).__name__) from None
        return str(data.get("sid") or "")
