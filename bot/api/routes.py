"""HTTP handlers of the backend API (docs/contracts.md). Each one validates its input, runs the
business function in a worker thread inside one transaction, and answers JSON."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import accounts, cancellations, idempotency, identity, offers, outbox
from bot.api import validation as v
from bot.api.keys import DB, POLICY, SETTINGS
from bot.api.middleware import json_response
from bot.api.openapi import openapi_document
from bot.config import Settings
from bot.db import Database
from bot.errors import Locked, NotFound, Unauthorized
from bot.identity import Verified
from bot.policy import END_KINDS, Policy

routes = web.RouteTableDef()
SERVICE_NOT_FOUND = ("service_not_found", "No such service on this account.")


def _db(request: web.Request) -> Database:
    return request.app[DB]


def _policy(request: web.Request) -> Policy:
    return request.app[POLICY]


def _settings(request: web.Request) -> Settings:
    return request.app[SETTINGS]


def _handle_headers(request: web.Request):
    """Handle, conversation id and input channel the action presents the handle from (None for a
    value that is not valid text, which then fails verification like a missing one)."""
    return tuple(
        value if value is not None and v.is_unicode_text(value) else None
        for value in (
            request.headers.get("X-Verification-Handle"),
            request.headers.get("X-Conversation-Id"),
            request.headers.get("X-Conversation-Channel"),
        )
    )


async def as_customer(request: web.Request, fn: Callable[..., Any], *args: Any) -> Any:
    """Resolve the verification handle and run `fn(session, policy, who, *args)` in one transaction."""
    handle, conversation, channel = _handle_headers(request)
    policy = _policy(request)

    def work(session: Session):
        who = identity.resolve_handle(session, handle, conversation, channel)
        return fn(session, policy, who, *args)

    return await _db(request).run(work)


def _fingerprint(request: web.Request, body: Optional[Dict[str, Any]]) -> str:
    info = request.match_info
    resource = info.route.resource
    route = resource.canonical if resource is not None else request.path
    return idempotency.request_hash(request.method, route, dict(info), body)


async def idempotent(
    request: web.Request,
    scope_of: Callable[[Session], str],
    body: Optional[Dict[str, Any]],
    fn: Callable[[Session], idempotency.Answer],
    *,
    key_required: bool = False,
) -> web.Response:
    """Run the change `fn(session) -> Answer` once per Idempotency-Key (bot/idempotency.py): a
    replay with the same request answers the first status and body, another request with the key
    gets 409. `scope_of(session)` names whose keys these are (and checks the handle)."""
    key = v.header(request, "Idempotency-Key", required=key_required)
    fingerprint = _fingerprint(request, body) if key else ""

    def work(session: Session) -> idempotency.Answer:
        scope = scope_of(session)
        if key:
            stored = idempotency.replay(session, scope, key, fingerprint)
            if stored is not None:
                return stored
        answer = fn(session)
        if key:
            idempotency.remember(session, scope, key, fingerprint, answer)
        return answer

    db = _db(request)
    try:
        answer = await db.run(work)
    except IntegrityError:
        if not key:
            raise
        # The same key committed first in a concurrent call: answer what it got.
        replayed = await db.run(
            lambda session: idempotency.replay(session, scope_of(session), key, fingerprint)
        )
        if replayed is None:
            raise
        answer = replayed
    return json_response(answer.body, status=answer.status)


async def customer_change(
    request: web.Request,
    body: Optional[Dict[str, Any]],
    fn: Callable[..., Any],
    *args: Any,
    status: int = 200,
    key_required: bool = False,
) -> web.Response:
    """`as_customer` for a state-changing route: `fn(session, policy, who, *args)` under the
    Idempotency-Key rules, keys scoped to the verified account."""
    handle, conversation, channel = _handle_headers(request)
    policy = _policy(request)
    verified: Dict[str, Verified] = {}

    def scope_of(session: Session) -> str:
        verified["who"] = identity.resolve_handle(session, handle, conversation, channel)
        return account_scope(verified["who"].account_id)

    return await idempotent(
        request,
        scope_of,
        body,
        lambda session: idempotency.Answer(status, fn(session, policy, verified["who"], *args)),
        key_required=key_required,
    )


def account_scope(account_id: int) -> str:
    """Idempotency keys of a verified customer's calls belong to their account."""
    return f"account:{account_id}"


# --------------------------------------------------------------------------- public


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return json_response(openapi_document())


# --------------------------------------------------------------------------- verification


@routes.post("/api/v1/verify/start")
async def verify_start(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    identifier = v.string(body, "identifier", max_len=254)
    conversation_id = v.string(body, "conversation_id")
    channel = v.string(body, "channel", required=False, nullable=True, max_len=40) or ""
    result = await _db(request).run(identity.start, _settings(request), identifier, conversation_id, channel)
    return json_response(result)


@routes.post("/api/v1/verify/otp")
async def verify_otp(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    attempt_id = v.string(body, "attempt_id", max_len=100)
    answer = await _db(request).run(identity.send_otp, _settings(request), attempt_id)
    _wake_delivery(request)
    return json_response(answer, status=202)


@routes.post("/api/v1/verify")
async def verify(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    attempt_id = v.string(body, "attempt_id", max_len=100)
    factor = v.string(body, "factor", max_len=10)
    factor_type = v.string(body, "factor_type", required=False, nullable=True, choices=identity.FACTORS)
    identity.factor_type_of(factor, factor_type)  # 422 for a malformed factor, before any lookup
    db = _db(request)
    stored = await db.run(identity.verify_target, attempt_id, factor, factor_type)
    work = await db.in_thread(identity.hash_work, factor, stored)  # outside any transaction
    result = await db.run(identity.verify, _settings(request), attempt_id, factor, factor_type, work)
    if result.status == "ok":
        return json_response(result.body)
    if result.status == "locked":
        raise Locked(
            "Too many failed attempts; verification is locked for a while.", retry_after=result.retry_after
        )
    raise Unauthorized("We could not verify those details.", "verification_failed")


# --------------------------------------------------------------------------- account


@routes.get("/api/v1/services")
async def services(request: web.Request) -> web.Response:
    return json_response(
        await as_customer(request, lambda s, p, who: accounts.list_services(s, who.account_id))
    )


@routes.get("/api/v1/balance")
async def balance(request: web.Request) -> web.Response:
    return json_response(await as_customer(request, lambda s, p, who: accounts.balance(s, p, who.account_id)))


@routes.get("/api/v1/equipment")
async def equipment(request: web.Request) -> web.Response:
    service_id = v.string(dict(request.query), "service_id", required=False, max_len=40)
    return json_response(
        await as_customer(request, lambda s, p, who: accounts.equipment(s, p, who.account_id, service_id))
    )


@routes.get("/api/v1/services/{service_id}/quote")
async def quote(request: web.Request) -> web.Response:
    query = dict(request.query)
    when = v.string(query, "when", required=False, choices=END_KINDS)
    end_date = v.iso_date(v.string(query, "date", required=when == "date", max_len=10), "date")
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return json_response(
        await as_customer(
            request,
            lambda s, p, who: accounts.quote(
                s, p, who.account_id, service_id, when, end_date, conversation_id=who.conversation_id
            ),
        )
    )


@routes.post("/api/v1/services/{service_id}/preview")
async def preview(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    when = v.string(body, "when", choices=END_KINDS)
    end_date = v.iso_date(v.string(body, "date", max_len=10), "date") if when == "date" else None
    backup_confirmed = v.boolean(body, "backup_confirmed") if "backup_confirmed" in body else False
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return json_response(
        await as_customer(
            request,
            lambda s, p, who: accounts.preview(
                s,
                p,
                who.account_id,
                service_id,
                when,
                end_date,
                backup_confirmed,
                conversation_id=who.conversation_id,
            ),
        )
    )


@routes.post("/api/v1/services/{service_id}/offer")
async def offer(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    reason = v.string(body, "reason", required=False, nullable=True, max_len=40)
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return await customer_change(request, body, offers.make_offer, service_id, reason)


@routes.post("/api/v1/offers/{offer_id}/outcome")
async def offer_outcome(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    accepted = v.boolean(body, "accepted")
    return await customer_change(
        request,
        body,
        offers.decide,
        v.path_id(request, "offer_id", "offer_not_found", "No such offer."),
        accepted,
    )


# --------------------------------------------------------------------------- cancellations


@routes.post("/api/v1/cancellations")
async def file_cancellation(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    key = v.header(request, "Idempotency-Key")
    when = v.string(body, "when", choices=END_KINDS)
    data = cancellations.FilingInput(
        service_id=v.string(body, "service_id", max_len=40),
        when=when,
        end_date=v.iso_date(v.string(body, "date", max_len=10), "date") if when == "date" else None,
        reason=v.string(body, "reason", required=False, nullable=True, max_len=40),
        channel=v.string(body, "channel", max_len=40),
        idempotency_key=key,
    )
    v.boolean(body, "backup_confirmed", must_be=True, why=" (the customer confirms their data is backed up)")
    v.boolean(body, "terms_accepted", must_be=True, why=" (the customer accepts the cancellation terms)")
    handle, conversation, channel = _handle_headers(request)
    db, policy = _db(request), _policy(request)
    who: Verified = await db.run(lambda s: identity.resolve_handle(s, handle, conversation, channel))
    answer = await db.in_thread(
        cancellations.file, db, policy, who, data, account_scope(who.account_id), _fingerprint(request, body)
    )
    _wake_delivery(request)
    return json_response(answer.body, status=answer.status)


def _wake_delivery(request: web.Request) -> None:
    """Let the delivery worker send what was just queued (code, receipt) now, not at its next poll."""
    from bot.delivery.worker import DELIVERER

    deliverer = request.app.get(DELIVERER)
    if deliverer is not None:
        deliverer.wake()


@routes.get("/api/v1/cancellations/{confirmation_number}")
async def cancellation_status(request: web.Request) -> web.Response:
    return json_response(
        await as_customer(request, cancellations.status, request.match_info["confirmation_number"])
    )


@routes.post("/api/v1/cancellations/{confirmation_number}/revoke")
async def revoke(request: web.Request) -> web.Response:
    return await customer_change(
        request, None, cancellations.revoke, request.match_info["confirmation_number"]
    )


@routes.post("/api/v1/cancellations/{confirmation_number}/tracking")
async def tracking(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    tracking_number = v.string(body, "tracking_number", max_len=60)
    equipment_id: Optional[str] = v.string(body, "equipment_id", required=False, nullable=True, max_len=40)
    return await customer_change(
        request,
        body,
        cancellations.report_tracking,
        request.match_info["confirmation_number"],
        tracking_number,
        equipment_id,
    )


@routes.post("/api/v1/refunds")
async def refunds(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    amount = v.amount(body, "amount")
    reason = v.string(body, "reason", max_len=1000)
    service_id = v.string(body, "service_id", required=False, nullable=True, max_len=40)
    # A refund is money: the key is required, so that a retried request never files a second one.
    return await customer_change(
        request, body, cancellations.request_refund, amount, reason, service_id, key_required=True
    )


# --------------------------------------------------------------------------- development


@routes.get("/api/v1/dev/outbox")
async def dev_outbox(request: web.Request) -> web.Response:
    if not _settings(request).dev_outbox:
        raise NotFound("The dev outbox is disabled (DEV_OUTBOX=0).")
    to = v.string(dict(request.query), "to", required=False, max_len=254)
    return json_response({"messages": await _db(request).run(outbox.list_messages, to)})
