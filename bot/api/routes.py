"""HTTP handlers of the backend API (docs/contracts.md). Each one validates its input, runs the
business function in a worker thread inside one transaction, and answers JSON."""
from __future__ import annotations

from typing import Any, Callable, Optional

from aiohttp import web
from sqlalchemy.orm import Session

from bot import accounts, cancellations, identity, offers, outbox
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
    return request.headers.get("X-Verification-Handle"), request.headers.get("X-Conversation-Id")


async def as_customer(request: web.Request, fn: Callable[..., Any], *args: Any) -> Any:
    """Resolve the verification handle and run `fn(session, policy, who, *args)` in one transaction."""
    handle, conversation = _handle_headers(request)
    policy = _policy(request)

    def work(session: Session):
        who = identity.resolve_handle(session, handle, conversation)
        return fn(session, policy, who, *args)

    return await _db(request).run(work)


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
    result = await _db(request).run(identity.start, _settings(request), identifier, conversation_id)
    return json_response(result)


@routes.post("/api/v1/verify/otp")
async def verify_otp(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    attempt_id = v.string(body, "attempt_id", max_len=100)
    return json_response(await _db(request).run(identity.send_otp, _settings(request), attempt_id), status=202)


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
        raise Locked("Too many failed attempts; verification is locked for a while.",
                     retry_after=result.retry_after)
    raise Unauthorized("We could not verify those details.", "verification_failed")


# --------------------------------------------------------------------------- account


@routes.get("/api/v1/services")
async def services(request: web.Request) -> web.Response:
    return json_response(await as_customer(request, lambda s, p, who: accounts.list_services(s, who.account_id)))


@routes.get("/api/v1/balance")
async def balance(request: web.Request) -> web.Response:
    return json_response(await as_customer(request, lambda s, p, who: accounts.balance(s, p, who.account_id)))


@routes.get("/api/v1/equipment")
async def equipment(request: web.Request) -> web.Response:
    service_id = v.string(dict(request.query), "service_id", required=False, max_len=40)
    return json_response(await as_customer(
        request, lambda s, p, who: accounts.equipment(s, p, who.account_id, service_id)))


@routes.get("/api/v1/services/{service_id}/quote")
async def quote(request: web.Request) -> web.Response:
    query = dict(request.query)
    when = v.string(query, "when", required=False, choices=END_KINDS)
    end_date = v.iso_date(v.string(query, "date", required=when == "date", max_len=10), "date")
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return json_response(await as_customer(
        request, lambda s, p, who: accounts.quote(s, p, who.account_id, service_id, when, end_date,
                                                  conversation_id=who.conversation_id)))


@routes.post("/api/v1/services/{service_id}/offer")
async def offer(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    reason = v.string(body, "reason", required=False, nullable=True, max_len=40)
    service_id = v.path_id(request, "service_id", *SERVICE_NOT_FOUND)
    return json_response(await as_customer(request, offers.make_offer, service_id, reason))


@routes.post("/api/v1/offers/{offer_id}/outcome")
async def offer_outcome(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    accepted = v.boolean(body, "accepted")
    return json_response(await as_customer(request, offers.decide,
                                           v.path_id(request, "offer_id", "offer_not_found", "No such offer."),
                                           accepted))


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
    handle, conversation = _handle_headers(request)
    db, policy = _db(request), _policy(request)
    who: Verified = await db.run(lambda s: identity.resolve_handle(s, handle, conversation))
    result, created = await db.in_thread(cancellations.file, db, policy, who, data)
    return json_response(result, status=201 if created else 200)


@routes.get("/api/v1/cancellations/{confirmation_number}")
async def cancellation_status(request: web.Request) -> web.Response:
    return json_response(await as_customer(request, cancellations.status, request.match_info["confirmation_number"]))


@routes.post("/api/v1/cancellations/{confirmation_number}/revoke")
async def revoke(request: web.Request) -> web.Response:
    return json_response(await as_customer(request, cancellations.revoke, request.match_info["confirmation_number"]))


@routes.post("/api/v1/cancellations/{confirmation_number}/tracking")
async def tracking(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    tracking_number = v.string(body, "tracking_number", max_len=60)
    equipment_id: Optional[str] = v.string(body, "equipment_id", required=False, nullable=True, max_len=40)
    return json_response(await as_customer(request, cancellations.report_tracking,
                                           request.match_info["confirmation_number"], tracking_number, equipment_id))


@routes.post("/api/v1/refunds")
async def refunds(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    amount = v.amount(body, "amount")
    reason = v.string(body, "reason", max_len=1000)
    service_id = v.string(body, "service_id", required=False, nullable=True, max_len=40)
    return json_response(await as_customer(request, cancellations.request_refund, amount, reason, service_id))


# --------------------------------------------------------------------------- development


@routes.get("/api/v1/dev/outbox")
async def dev_outbox(request: web.Request) -> web.Response:
    if not _settings(request).dev_outbox:
        raise NotFound("The dev outbox is disabled (DEV_OUTBOX=0).")
    to = v.string(dict(request.query), "to", required=False, max_len=254)
    return json_response({"messages": await _db(request).run(outbox.list_messages, to)})
