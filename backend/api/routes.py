"""HTTP handlers of the backend API (contract/routes.py, docs/contracts.md). Each one checks its
input against the contract's shape (contract.validation.parse), runs the business function in a
worker thread inside one transaction, and answers JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Dict, Optional, Type, TypeVar, cast

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import accounts, cancellations, idempotency, identity, offers, outbox
from backend.api import validation as v
from backend.api.keys import DB, POLICY, SETTINGS, WAKE_DELIVERY
from backend.api.middleware import json_response
from backend.api.openapi import app_document
from backend.config import Settings
from backend.db import Database
from backend.errors import InvalidField, Locked, NotFound, Unauthorized
from backend.identity import Verified
from backend.policy import Policy
from backend.reports.events import record_event
from contract import shapes
from contract.routes import (
    BALANCE,
    CANCELLATION,
    CONVERSATION_EVENTS,
    DEV_OUTBOX,
    EQUIPMENT,
    FILE_CANCELLATION,
    HEALTH,
    OFFER,
    OFFER_OUTCOME,
    OPENAPI,
    PREVIEW,
    QUOTE,
    REFUNDS,
    REVOKE,
    SEND_OTP,
    SERVICES,
    TRACKING,
    VERIFY,
    VERIFY_START,
)
from contract.validation import day, parse

routes = web.RouteTableDef()
T = TypeVar("T")
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
    """Run the change `fn(session) -> Answer` once per Idempotency-Key (backend/idempotency.py): a
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


@routes.get(HEALTH.path)
async def health(request: web.Request) -> web.Response:
    answer: shapes.Health = {"status": "ok"}
    return json_response(answer)


@routes.get(OPENAPI.path)
async def openapi(request: web.Request) -> web.Response:
    return json_response(app_document(request.app))


# --------------------------------------------------------------------------- verification


@routes.post(VERIFY_START.path)
async def verify_start(request: web.Request) -> web.Response:
    body = parse(shapes.VerifyStartBody, await v.json_object(request))
    result = await _db(request).run(
        identity.start,
        _settings(request),
        body["identifier"],
        body["conversation_id"],
        body.get("channel") or "",
    )
    return json_response(result)


@routes.post(SEND_OTP.path)
async def verify_otp(request: web.Request) -> web.Response:
    body = parse(shapes.SendOtpBody, await v.json_object(request))
    answer = await _db(request).run(identity.send_otp, _settings(request), body["attempt_id"])
    _wake_delivery(request)
    return json_response(answer, status=202)


@routes.post(VERIFY.path)
async def verify(request: web.Request) -> web.Response:
    body = parse(shapes.VerifyBody, await v.json_object(request))
    attempt_id, factor, factor_type = body["attempt_id"], body["factor"], body.get("factor_type")
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


@routes.get(SERVICES.path)
async def services(request: web.Request) -> web.Response:
    return json_response(
        await as_customer(request, lambda s, p, who: accounts.list_services(s, p, who.account_id))
    )


@routes.get(BALANCE.path)
async def balance(request: web.Request) -> web.Response:
    return json_response(await as_customer(request, lambda s, p, who: accounts.balance(s, p, who.account_id)))


@routes.get(EQUIPMENT.path)
async def equipment(request: web.Request) -> web.Response:
    service_id = parse(shapes.EquipmentQuery, request.query).get("service_id")
    return json_response(
        await as_customer(request, lambda s, p, who: accounts.equipment(s, p, who.account_id, service_id))
    )


@routes.get(QUOTE.path)
async def quote(request: web.Request) -> web.Response:
    query = parse(shapes.QuoteQuery, request.query)
    when = query.get("when")
    if when == "date" and "date" not in query:
        raise InvalidField("date", "is required")
    end_date = day(query["date"]) if "date" in query else None
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return json_response(
        await as_customer(
            request,
            lambda s, p, who: accounts.quote(
                s, p, who.account_id, service_id, when, end_date, conversation_id=who.conversation_id
            ),
        )
    )


@routes.post(PREVIEW.path)
async def preview(request: web.Request) -> web.Response:
    body = parse_end_choice(shapes.PreviewBody, await v.json_object(request))
    end_date = day(body["date"]) if "date" in body else None
    backup_confirmed = bool(body.get("backup_confirmed", False))
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return json_response(
        await as_customer(
            request,
            lambda s, p, who: accounts.preview(
                s,
                p,
                who.account_id,
                service_id,
                body["when"],
                end_date,
                backup_confirmed,
                conversation_id=who.conversation_id,
            ),
        )
    )


@routes.post(OFFER.path)
async def offer(request: web.Request) -> web.Response:
    raw = await v.json_object(request)
    reason = parse(shapes.OfferBody, raw).get("reason")
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return await customer_change(request, raw, offers.make_offer, service_id, reason)


@routes.post(OFFER_OUTCOME.path)
async def offer_outcome(request: web.Request) -> web.Response:
    raw = await v.json_object(request)
    accepted = parse(shapes.OutcomeBody, raw)["accepted"]
    return await customer_change(
        request,
        raw,
        offers.decide,
        v.path_id(request, "offer_id", "offer_not_found", "No such offer."),
        accepted,
    )


# --------------------------------------------------------------------------- cancellations


def parse_end_choice(shape: Type[T], raw: Dict[str, Any]) -> T:
    """``raw`` checked against a shape with an end choice (`when`, and `date` for an end on a
    date): the date is read only for `when=date`, and then it is required."""
    checked = dict(raw)
    if checked.get("when") != "date":
        checked.pop("date", None)
    body = parse(shape, checked)
    if cast(Dict[str, Any], body)["when"] == "date" and "date" not in cast(Dict[str, Any], body):
        raise InvalidField("date", "is required")
    return body


@routes.post(FILE_CANCELLATION.path)
async def file_cancellation(request: web.Request) -> web.Response:
    raw = await v.json_object(request)
    key = v.header(request, "Idempotency-Key")
    body = parse_end_choice(shapes.CancellationBody, raw)
    if not body["backup_confirmed"]:
        raise InvalidField("backup_confirmed", "must be true (the customer confirms their data is backed up)")
    if not body["terms_accepted"]:
        raise InvalidField("terms_accepted", "must be true (the customer accepts the cancellation terms)")
    data = cancellations.FilingInput(
        service_id=body["service_id"],
        when=body["when"],
        end_date=day(body["date"]) if "date" in body else None,
        reason=body.get("reason"),
        channel=body["channel"],
        idempotency_key=key,
    )
    handle, conversation, channel = _handle_headers(request)
    db, policy = _db(request), _policy(request)
    who: Verified = await db.run(lambda s: identity.resolve_handle(s, handle, conversation, channel))
    answer = await db.in_thread(
        cancellations.file, db, policy, who, data, account_scope(who.account_id), _fingerprint(request, raw)
    )
    _wake_delivery(request)
    return json_response(answer.body, status=answer.status)


def _wake_delivery(request: web.Request) -> None:
    """Let the delivery worker send what was just queued (code, receipt) now, not at its next poll."""
    wake = request.app.get(WAKE_DELIVERY)
    if wake is not None:
        wake()


@routes.get(CANCELLATION.path)
async def cancellation_status(request: web.Request) -> web.Response:
    return json_response(
        await as_customer(request, cancellations.status, request.match_info["confirmation_number"])
    )


@routes.post(REVOKE.path)
async def revoke(request: web.Request) -> web.Response:
    return await customer_change(
        request, None, cancellations.revoke, request.match_info["confirmation_number"]
    )


@routes.post(TRACKING.path)
async def tracking(request: web.Request) -> web.Response:
    raw = await v.json_object(request)
    body = parse(shapes.TrackingBody, raw)
    return await customer_change(
        request,
        raw,
        cancellations.report_tracking,
        request.match_info["confirmation_number"],
        body["tracking_number"],
        body.get("equipment_id"),
    )


@routes.post(REFUNDS.path)
async def refunds(request: web.Request) -> web.Response:
    raw = await v.json_object(request)
    body = parse(shapes.RefundBody, raw)
    # A refund is money: the key is required, so that a retried request never files a second one.
    return await customer_change(
        request,
        raw,
        cancellations.request_refund,
        Decimal(body["amount"]),
        body["reason"],
        body.get("service_id"),
        key_required=True,
    )


# --------------------------------------------------------------------------- reports


@routes.post(CONVERSATION_EVENTS.path)
async def conversation_event(request: web.Request) -> web.Response:
    """The action server: a misunderstanding, or the customer stopped the cancellation (docs/reports.md)."""
    body = parse(shapes.ConversationEventBody, await v.json_object(request))
    answer = await _db(request).run(record_event, body["conversation_id"], body["kind"], body.get("channel"))
    return json_response(answer)


# --------------------------------------------------------------------------- development


@routes.get(DEV_OUTBOX.path)
async def dev_outbox(request: web.Request) -> web.Response:
    if not _settings(request).dev_outbox:
        raise NotFound("The dev outbox is disabled (DEV_OUTBOX=0).")
    to = parse(shapes.OutboxQuery, request.query).get("to")
    return json_response({"messages": await _db(request).run(outbox.list_messages, to)})
