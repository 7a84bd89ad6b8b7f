"""HTTP client of the backend store: the only way the action server talks to the backend.

One method per endpoint of ``docs/contracts.md``; every backend error becomes a typed exception
so that the actions stay thin. Nothing here logs a token, a verification handle, an identifier,
a factor or any other customer value: log lines name the endpoint and the status only.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_BACKEND_URL = "http://127.0.0.1:8000"
API = "/api/v1"


class BackendError(Exception):
    """Any error answer of the backend. ``code`` is the contract's ``error`` field."""

    def __init__(self, message: str = "", *, status: int = 0, code: str = "") -> None:
        super().__init__(message or code or f"backend error {status}")
        self.message = message
        self.status = status
        self.code = code


class VerificationFailed(BackendError):
    """401 verification_failed: unknown account and wrong factor look the same."""


class Locked(BackendError):
    """429: verification is locked for ``retry_after`` seconds."""

    def __init__(self, message: str = "", *, retry_after: int = 0, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class NotAuthorized(BackendError):
    """401 other than verification_failed: the handle expired or is not valid here."""


class NotFound(BackendError):
    """404."""


class InvalidConfirmationNumber(BackendError):
    """422 invalid_confirmation_number: the check character does not match."""


class InvalidInput(BackendError):
    """400, 413 or 422 (other than a bad confirmation number)."""


class Conflict(BackendError):
    """409, e.g. revoking after the end date, or a request that already exists."""


class BackendUnavailable(BackendError):
    """Connection refused, timeout, 5xx or an answer that is not JSON."""


@dataclass(frozen=True)
class Auth:
    """What a call for a verified customer carries: the handle, its conversation id and the
    input channel the conversation's latest message came from (the backend accepts a handle only
    from the channel it was verified on)."""

    handle: str
    conversation_id: str
    channel: str = ""

    def headers(self) -> Dict[str, str]:
        return {
            "X-Verification-Handle": self.handle,
            "X-Conversation-Id": self.conversation_id,
            "X-Conversation-Channel": self.channel,
        }

    def __repr__(self) -> str:  # never print the handle
        return f"Auth(handle=***, conversation_id=***, channel={self.channel!r})"


# Idle kept-alive connections are dropped well before the backend's (aiohttp's 75 s default).
_KEEPALIVE_SECONDS = 15.0
_shared_clients: Dict[Any, "BackendClient"] = {}


class BackendClient:
    """Async client. Use as ``async with BackendClient.from_env() as client: ...``.

    Without ``async with`` every call opens and closes its own session, which is what the
    stateless action server wants when a client is built per action run anyway.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BACKEND_URL).rstrip("/")
        self._token = token or ""
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._session: Optional[aiohttp.ClientSession] = None
        self._shared = False

    def __repr__(self) -> str:
        return f"BackendClient(base_url={self.base_url!r})"

    @classmethod
    def from_env(cls) -> "BackendClient":
        from bot.action_settings import ActionServerSettings

        settings = ActionServerSettings.current()
        return cls(settings.backend_url, settings.backend_service_token, timeout=settings.backend_timeout)

    @classmethod
    def shared(cls) -> "BackendClient":
        """The client configured from the environment, one per event loop and configuration,
        with a kept-alive connection pool (the action server's: a new session and TCP
        connection for every backend call cost as much CPU as the call). ``async with`` on it
        leaves the pool open."""
        import asyncio

        client = cls.from_env()
        loop = asyncio.get_running_loop()
        key = (loop, client.base_url, client._token, client._timeout)
        found = _shared_clients.get(key)
        if found is None or found._session is None or found._session.closed:
            for stale in [k for k in _shared_clients if k[0].is_closed()]:
                del _shared_clients[stale]
            client._session = aiohttp.ClientSession(
                timeout=client._timeout,
                connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=_KEEPALIVE_SECONDS),
            )
            client._shared = True
            _shared_clients[key] = found = client
        return found

    @classmethod
    async def close_shared(cls) -> None:
        """Close the shared clients of the running event loop (before the loop ends)."""
        import asyncio

        loop = asyncio.get_running_loop()
        for key in [k for k in _shared_clients if k[0] is loop]:
            await _shared_clients.pop(key).close()

    async def __aenter__(self) -> "BackendClient":
        if not self._shared:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if not self._shared:
            await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ plumbing

    async def _request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        json: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, str]] = None,
        auth: Optional[Auth] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Dict[str, Any]:
        all_headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if auth is not None:
            all_headers.update(auth.headers())
        if headers:
            all_headers.update(headers)
        own_session = self._session is None
        session = self._session or aiohttp.ClientSession(timeout=self._timeout)
        # A kept-alive connection the backend has closed meanwhile (e.g. it restarted) fails
        # before the request is read: a read (GET) is then tried once more on a new connection.
        attempts = 2 if method == "GET" and not own_session else 1
        try:
            for attempt in range(attempts):
                try:
                    async with session.request(
                        method,
                        self.base_url + path,
                        json=json,
                        params=params,
                        headers=all_headers,
                    ) as response:
                        status = response.status
                        try:
                            body = await response.json(content_type=None)
                        except ValueError:
                            body = None
                        retry_header = response.headers.get("Retry-After")
                    break
                except aiohttp.ServerDisconnectedError:
                    if attempt + 1 == attempts:
                        raise
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:  # distinct before 3.11
            logger.warning("backend %s unreachable: %s", endpoint, type(exc).__name__)
            raise BackendUnavailable("backend unreachable", code="unavailable") from None
        finally:
            if own_session:
                await session.close()

        logger.debug("backend %s -> %s", endpoint, status)
        if 200 <= status < 300:
            if not isinstance(body, dict):
                raise BackendUnavailable("backend answer is not a JSON object", status=status)
            return body
        raise _error_for(status, body if isinstance(body, dict) else {}, retry_header, endpoint)

    # ------------------------------------------------------------------ endpoints

    async def health(self) -> Dict[str, Any]:
        return await self._request("GET", "/health", endpoint="health")

    async def verify_start(self, identifier: str, conversation_id: str, channel: str = "") -> Dict[str, Any]:
        """-> ``{"attempt_id", "factors"}`` (same shape for unknown identifiers). The handle the
        attempt yields is only accepted from ``channel``."""
        body = {"identifier": identifier, "conversation_id": conversation_id}
        if channel:
            body["channel"] = channel
        return await self._request("POST", f"{API}/verify/start", endpoint="verify/start", json=body)

    async def send_otp(self, attempt_id: str) -> Dict[str, Any]:
        """-> ``{"sent": true, "to": masked}``."""
        return await self._request(
            "POST", f"{API}/verify/otp", endpoint="verify/otp", json={"attempt_id": attempt_id}
        )

    async def verify(self, attempt_id: str, factor: str, factor_type: Optional[str] = None) -> Dict[str, Any]:
        """-> ``{"handle", "expires_at", "customer_first_name"}``.

        Raises VerificationFailed (401) or Locked (429).
        """
        body: Dict[str, Any] = {"attempt_id": attempt_id, "factor": factor}
        if factor_type:
            body["factor_type"] = factor_type
        return await self._request("POST", f"{API}/verify", endpoint="verify", json=body)

    async def services(self, auth: Auth) -> List[Dict[str, Any]]:
        body = await self._request("GET", f"{API}/services", endpoint="services", auth=auth)
        return list(body.get("services") or [])

    async def balance(self, auth: Auth) -> Dict[str, Any]:
        return await self._request("GET", f"{API}/balance", endpoint="balance", auth=auth)

    async def equipment(self, auth: Auth, service_id: Optional[str] = None) -> Dict[str, Any]:
        params = {"service_id": service_id} if service_id else None
        return await self._request("GET", f"{API}/equipment", endpoint="equipment", auth=auth, params=params)

    async def quote(
        self,
        auth: Auth,
        service_id: str,
        when: Optional[str] = None,
        date: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """-> list of Quote; all options without ``when``."""
        params: Dict[str, str] = {}
        if when:
            params["when"] = when
        if date:
            params["date"] = date
        body = await self._request(
            "GET",
            f"{API}/services/{_seg(service_id)}/quote",
            endpoint="quote",
            auth=auth,
            params=params or None,
        )
        return list(body.get("options") or [])

    async def preview(
        self,
        auth: Auth,
        service_id: str,
        when: str,
        date: Optional[str] = None,
        *,
        backup_confirmed: bool = False,
    ) -> Dict[str, Any]:
        """-> Preview: the whole summary to confirm (service, end date, final bill, balance,
        equipment to return, terms) in one call; nothing is changed."""
        body: Dict[str, Any] = {"when": when, "backup_confirmed": bool(backup_confirmed)}
        if date:
            body["date"] = date
        return await self._request(
            "POST",
            f"{API}/services/{_seg(service_id)}/preview",
            endpoint="preview",
            auth=auth,
            json=body,
        )

    async def make_offer(
        self,
        auth: Auth,
        service_id: str,
        reason: Optional[str],
        idempotency_key: Optional[str] = None,
    ) -> Optional[Dict[str, Any]]:
        body = await self._request(
            "POST",
            f"{API}/services/{_seg(service_id)}/offer",
            endpoint="offer",
            auth=auth,
            json={"reason": reason},
            headers=_key_header(idempotency_key),
        )
        return body.get("offer")

    async def offer_outcome(
        self, auth: Auth, offer_id: str, accepted: bool, idempotency_key: Optional[str] = None
    ) -> Dict[str, Any]:
        """A replay with the same ``idempotency_key`` answers the first outcome again."""
        return await self._request(
            "POST",
            f"{API}/offers/{_seg(offer_id)}/outcome",
            endpoint="offer/outcome",
            auth=auth,
            json={"accepted": bool(accepted)},
            headers=_key_header(idempotency_key),
        )

    async def file_cancellation(
        self,
        auth: Auth,
        idempotency_key: str,
        *,
        service_id: str,
        when: str,
        date: Optional[str] = None,
        reason: Optional[str] = None,
        backup_confirmed: bool = True,
        terms_accepted: bool = True,
        channel: str = "rest",
    ) -> Dict[str, Any]:
        body: Dict[str, Any] = {
            "service_id": service_id,
            "when": when,
            "reason": reason,
            "backup_confirmed": backup_confirmed,
            "terms_accepted": terms_accepted,
            "channel": channel,
        }
        if date:
            body["date"] = date
        return await self._request(
            "POST",
            f"{API}/cancellations",
            endpoint="cancellations",
            auth=auth,
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )

    async def get_cancellation(self, auth: Auth, confirmation_number: str) -> Dict[str, Any]:
        return await self._request(
            "GET",
            f"{API}/cancellations/{_seg(confirmation_number)}",
            endpoint="cancellations/get",
            auth=auth,
        )

    async def revoke_cancellation(
        self, auth: Auth, confirmation_number: str, idempotency_key: Optional[str] = None
    ) -> Dict[str, Any]:
        """With ``idempotency_key``, a retried revoke answers the first answer (not 409)."""
        return await self._request(
            "POST",
            f"{API}/cancellations/{_seg(confirmation_number)}/revoke",
            endpoint="cancellations/revoke",
            auth=auth,
            headers=_key_header(idempotency_key),
        )

    async def report_tracking(
        self,
        auth: Auth,
        confirmation_number: str,
        tracking_number: str,
        equipment_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Dict[str, Any]:
        body: Dict[str, Any] = {"tracking_number": tracking_number}
        if equipment_id:
            body["equipment_id"] = equipment_id
        return await self._request(
            "POST",
            f"{API}/cancellations/{_seg(confirmation_number)}/tracking",
            endpoint="cancellations/tracking",
            auth=auth,
            json=body,
            headers=_key_header(idempotency_key),
        )

    async def request_refund(
        self,
        auth: Auth,
        amount: str,
        reason: str,
        service_id: Optional[str] = None,
        *,
        idempotency_key: str,
    ) -> Dict[str, Any]:
        """File a refund request once per ``idempotency_key`` (required: a retry never files a
        second refund; the same key with another amount is a Conflict)."""
        body: Dict[str, Any] = {"amount": amount, "reason": reason}
        if service_id:
            body["service_id"] = service_id
        return await self._request(
            "POST",
            f"{API}/refunds",
            endpoint="refunds",
            auth=auth,
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )

    async def request_handoff(
        self,
        conversation_id: str,
        reason: str,
        *,
        channel: Optional[str] = None,
        auth: Optional[Auth] = None,
        idempotency_key: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Queue the chat for staff. ``POST /api/v1/handoffs`` (docs/handoff.md): the answer has
        ``on_duty`` (the action pauses the conversation when true) and, off duty,
        ``next_opening_text``. A NotFound means the handoff queue is not deployed."""
        body: Dict[str, Any] = {"conversation_id": conversation_id, "reason": reason}
        if channel:
            body["channel"] = channel
        return await self._request(
            "POST",
            f"{API}/handoffs",
            endpoint="handoffs",
            auth=auth,
            json=body,
            headers=_key_header(idempotency_key),
        )


def _key_header(idempotency_key: Optional[str]) -> Optional[Dict[str, str]]:
    return {"Idempotency-Key": idempotency_key} if idempotency_key else None


def _seg(value: str) -> str:
    """Quote one path segment (ids come from users: no slashes or dots may escape)."""
    from urllib.parse import quote

    return quote(str(value), safe="")


def _error_for(status: int, body: Dict[str, Any], retry_header: Optional[str], endpoint: str) -> BackendError:
    code = str(body.get("error") or "")
    message = str(body.get("message") or "")
    logger.info("backend %s answered %s %s", endpoint, status, code)
    if status == 429:
        retry_after = body.get("retry_after", retry_header)
        try:
            seconds = int(float(retry_after))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            seconds = 0
        return Locked(message, retry_after=seconds, status=status, code=code)
    if status == 401:
        if code == "verification_failed":
            return VerificationFailed(message, status=status, code=code)
        return NotAuthorized(message, status=status, code=code)
    if status == 404:
        return NotFound(message, status=status, code=code)
    if status == 409:
        return Conflict(message, status=status, code=code)
    if status == 422 and code == "invalid_confirmation_number":
        return InvalidConfirmationNumber(message, status=status, code=code)
    if status in (400, 413, 422):
        return InvalidInput(message, status=status, code=code)
    if status == 403:
        return NotAuthorized(message, status=status, code=code)
    return BackendUnavailable(message, status=status, code=code)
