"""HTTP client of the backend store: the only way the action server talks to the backend.

One method per route of the contract (contract/routes.py): it sends and returns the contract's
shapes (contract/shapes.py, checked by mypy), and every backend error becomes the contract's
exception (contract/errors.py) so that the actions stay thin. Nothing here logs a token, a verification handle, an identifier,
a factor or any other customer value: log lines name the endpoint and the status only.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, cast

import aiohttp

from contract import errors, shapes
from contract import routes as r
from contract.routes import Operation

logger = logging.getLogger(__name__)

DEFAULT_BACKEND_URL = "http://127.0.0.1:8000"


# The contract's errors (contract/errors.py), under the names the actions use: the client raises
# the class of the backend's error answer.
BackendError = errors.ApiError  # any error answer; ``code`` is the answer's ``error`` field
VerificationFailed = errors.VerificationFailed  # 401: unknown account and wrong factor look the same
Locked = errors.Locked  # 429: locked (or rate limited) for ``retry_after`` seconds
NotAuthorized = (
    errors.Unauthorized
)  # 401/403 other than verification_failed: handle expired or not valid here
NotFound = errors.NotFound  # 404
InvalidConfirmationNumber = errors.InvalidConfirmationNumber  # 422: the check character does not match
InvalidInput = errors.BadRequest  # 400, 413 or 422 (other than a bad confirmation number)
Conflict = errors.Conflict  # 409, e.g. revoking after the end date, a request that already exists
BackendUnavailable = errors.Unavailable  # connection refused, timeout, 5xx or an answer that is not JSON


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
        from actions.settings import ActionServerSettings

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
        operation: Operation,
        *,
        segments: Optional[Mapping[str, str]] = None,
        json: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, str]] = None,
        auth: Optional[Auth] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Dict[str, Any]:
        method, path = operation.method, operation.url(**(segments or {}))
        endpoint = operation.path  # logged: the route's template, never a value of the customer
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
            raise BackendUnavailable("backend unreachable") from None
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

    async def health(self) -> shapes.Health:
        return cast(shapes.Health, await self._request(r.HEALTH))

    async def verify_start(
        self, identifier: str, conversation_id: str, channel: str = ""
    ) -> shapes.VerifyStarted:
        """The same shape for unknown identifiers. The handle the attempt yields is only
        accepted from ``channel``."""
        body: shapes.VerifyStartBody = {"identifier": identifier, "conversation_id": conversation_id}
        if channel:
            body["channel"] = channel
        return cast(shapes.VerifyStarted, await self._request(r.VERIFY_START, json=body))

    async def send_otp(self, attempt_id: str) -> shapes.OtpSent:
        body: shapes.SendOtpBody = {"attempt_id": attempt_id}
        return cast(shapes.OtpSent, await self._request(r.SEND_OTP, json=body))

    async def verify(
        self, attempt_id: str, factor: str, factor_type: Optional[str] = None
    ) -> shapes.Verified:
        """Raises VerificationFailed (401) or Locked (429)."""
        body: shapes.VerifyBody = {"attempt_id": attempt_id, "factor": factor}
        if factor_type:
            body["factor_type"] = cast(shapes.FactorType, factor_type)
        return cast(shapes.Verified, await self._request(r.VERIFY, json=body))

    async def services(self, auth: Auth) -> List[shapes.Service]:
        body = cast(shapes.Services, await self._request(r.SERVICES, auth=auth))
        return list(body.get("services") or [])

    async def balance(self, auth: Auth) -> shapes.Balance:
        return cast(shapes.Balance, await self._request(r.BALANCE, auth=auth))

    async def equipment(self, auth: Auth, service_id: Optional[str] = None) -> shapes.EquipmentList:
        query: shapes.EquipmentQuery = {"service_id": service_id} if service_id else {}
        answer = await self._request(r.EQUIPMENT, auth=auth, params=cast(Mapping[str, str], query) or None)
        return cast(shapes.EquipmentList, answer)

    async def quote(
        self,
        auth: Auth,
        service_id: str,
        when: Optional[str] = None,
        date: Optional[str] = None,
    ) -> List[shapes.Quote]:
        """All options without ``when``."""
        query: shapes.QuoteQuery = {}
        if when:
            query["when"] = cast(shapes.EndKind, when)
        if date:
            query["date"] = date
        return list((await self._quotes(auth, service_id, query)).get("options") or [])

    async def latest_end_date(self, auth: Auth, service_id: str) -> Optional[str]:
        """The latest end date the customer may choose for the service (ISO), if the backend says."""
        return (await self._quotes(auth, service_id, {})).get("latest_date")

    async def _quotes(self, auth: Auth, service_id: str, query: shapes.QuoteQuery) -> shapes.Quotes:
        body = await self._request(
            r.QUOTE,
            segments={"service_id": service_id},
            auth=auth,
            params=cast(Mapping[str, str], query) or None,
        )
        return cast(shapes.Quotes, body)

    async def preview(
        self,
        auth: Auth,
        service_id: str,
        when: str,
        date: Optional[str] = None,
        *,
        backup_confirmed: bool = False,
    ) -> shapes.Preview:
        """The whole summary to confirm (service, end date, final bill, balance, equipment to
        return, terms) in one call; nothing is changed."""
        body: shapes.PreviewBody = {
            "when": cast(shapes.EndKind, when),
            "backup_confirmed": bool(backup_confirmed),
        }
        if date:
            body["date"] = date
        answer = await self._request(
            r.PREVIEW, segments={"service_id": service_id}, auth=auth, json=cast(Mapping[str, Any], body)
        )
        return cast(shapes.Preview, answer)

    async def make_offer(
        self,
        auth: Auth,
        service_id: str,
        reason: Optional[str],
        idempotency_key: Optional[str] = None,
    ) -> Optional[shapes.Offer]:
        request: shapes.OfferBody = {"reason": reason}
        body = await self._request(
            r.OFFER,
            segments={"service_id": service_id},
            auth=auth,
            json=request,
            headers=_key_header(idempotency_key),
        )
        return cast(shapes.OfferMade, body).get("offer")

    async def offer_outcome(
        self, auth: Auth, offer_id: str, accepted: bool, idempotency_key: Optional[str] = None
    ) -> shapes.OfferDecided:
        """A replay with the same ``idempotency_key`` answers the first outcome again."""
        request: shapes.OutcomeBody = {"accepted": bool(accepted)}
        body = await self._request(
            r.OFFER_OUTCOME,
            segments={"offer_id": offer_id},
            auth=auth,
            json=request,
            headers=_key_header(idempotency_key),
        )
        return cast(shapes.OfferDecided, body)

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
    ) -> shapes.Cancellation:
        body: shapes.CancellationBody = {
            "service_id": service_id,
            "when": cast(shapes.EndKind, when),
            "reason": reason,
            "backup_confirmed": backup_confirmed,
            "terms_accepted": terms_accepted,
            "channel": channel,
        }
        if date:
            body["date"] = date
        answer = await self._request(
            r.FILE_CANCELLATION, auth=auth, json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return cast(shapes.Cancellation, answer)

    async def get_cancellation(self, auth: Auth, confirmation_number: str) -> shapes.Cancellation:
        answer = await self._request(
            r.CANCELLATION, segments={"confirmation_number": confirmation_number}, auth=auth
        )
        return cast(shapes.Cancellation, answer)

    async def revoke_cancellation(
        self, auth: Auth, confirmation_number: str, idempotency_key: Optional[str] = None
    ) -> shapes.Cancellation:
        """With ``idempotency_key``, a retried revoke answers the first answer (not 409)."""
        answer = await self._request(
            r.REVOKE,
            segments={"confirmation_number": confirmation_number},
            auth=auth,
            headers=_key_header(idempotency_key),
        )
        return cast(shapes.Cancellation, answer)

    async def report_tracking(
        self,
        auth: Auth,
        confirmation_number: str,
        tracking_number: str,
        equipment_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> shapes.TrackingRecorded:
        body: shapes.TrackingBody = {"tracking_number": tracking_number}
        if equipment_id:
            body["equipment_id"] = equipment_id
        answer = await self._request(
            r.TRACKING,
            segments={"confirmation_number": confirmation_number},
            auth=auth,
            json=body,
            headers=_key_header(idempotency_key),
        )
        return cast(shapes.TrackingRecorded, answer)

    async def request_refund(
        self,
        auth: Auth,
        amount: str,
        reason: str,
        service_id: Optional[str] = None,
        *,
        idempotency_key: str,
    ) -> shapes.Refund:
        """File a refund request once per ``idempotency_key`` (required: a retry never files a
        second refund; the same key with another amount is a Conflict)."""
        body: shapes.RefundBody = {"amount": amount, "reason": reason}
        if service_id:
            body["service_id"] = service_id
        answer = await self._request(
            r.REFUNDS, auth=auth, json=body, headers={"Idempotency-Key": idempotency_key}
        )
        return cast(shapes.Refund, answer)

    async def request_handoff(
        self,
        conversation_id: str,
        reason: str,
        *,
        channel: Optional[str] = None,
        auth: Optional[Auth] = None,
        idempotency_key: Optional[str] = None,
    ) -> shapes.QueuedHandoff:
        """Queue the chat for staff (docs/handoff.md): the answer has ``on_duty`` (the action
        pauses the conversation when true) and, off duty, ``next_opening_text``. A NotFound means
        the handoff queue is not deployed."""
        body: shapes.HandoffBody = {"conversation_id": conversation_id, "reason": reason}
        if channel:
            body["channel"] = channel
        answer = await self._request(r.HANDOFFS, auth=auth, json=body, headers=_key_header(idempotency_key))
        return cast(shapes.QueuedHandoff, answer)

    async def conversation_event(
        self, conversation_id: str, kind: shapes.ConversationEventKind, channel: Optional[str] = None
    ) -> shapes.ConversationEventRecorded:
        """Tell the reports that the assistant did not understand a message (``misunderstood``) or
        that the customer stopped the cancellation (``stopped``); docs/reports.md."""
        body: shapes.ConversationEventBody = {"conversation_id": conversation_id, "kind": kind}
        if channel:
            body["channel"] = channel
        answer = await self._request(r.CONVERSATION_EVENTS, json=body)
        return cast(shapes.ConversationEventRecorded, answer)


def _key_header(idempotency_key: Optional[str]) -> Optional[Dict[str, str]]:
    return {"Idempotency-Key": idempotency_key} if idempotency_key else None


def _error_for(status: int, body: Dict[str, Any], retry_header: Optional[str], endpoint: str) -> BackendError:
    error = errors.from_answer(status, body, retry_header)
    logger.info("backend %s answered %s %s", endpoint, status, error.code)
    return error
