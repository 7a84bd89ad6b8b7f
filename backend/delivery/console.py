"""Routes of the delivery: the supervisor's page of customer messages that failed (with the error
and a retry button), and the public, signed download of a receipt PDF (backend/delivery/links.py)."""

from __future__ import annotations

from typing import Any, Dict, List

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.api.keys import DB, POLICY
from backend.console.pages import SECURITY_HEADERS, render
from backend.console.routes import _error, _json, _redirect, _wants_json, staff_only
from backend.delivery import links, returns, worker
from backend.delivery.compose import label_pdf_of, receipt_pdf_of
from backend.handoff.auth import Staff
from backend.models import CancellationRequest, OutboxMessage, iso_utc

routes = web.RouteTableDef()
SHOWN = 200


def problem_messages(session: Session) -> List[Dict[str, Any]]:
    """Failed (given up) messages, and pending ones that already failed an attempt; newest first.
    Recipients are shown masked, bodies not at all."""
    from backend.contact import mask

    query = (
        select(OutboxMessage)
        .where(
            (OutboxMessage.status == "failed")
            | ((OutboxMessage.status == "pending") & OutboxMessage.last_error.isnot(None))
        )
        .order_by(OutboxMessage.id.desc())
        .limit(SHOWN)
    )
    return [
        {
            "id": m.id,
            "status": m.status,
            "channel": m.channel,
            "kind": m.kind,
            "to": mask(m.recipient),
            "attempts": m.attempts,
            "error": m.last_error,
            "created_at": iso_utc(m.created_at),
            "next_attempt_at": iso_utc(m.next_attempt_at),
            "retryable": m.status == "failed" and m.kind != "otp",
        }
        for m in session.execute(query).scalars()
    ]


def _forbidden(staff: Staff):
    return (
        None
        if staff.is_supervisor
        else _error(403, "forbidden", "Only a supervisor can see message delivery.")
    )


@routes.get("/console/outbox")
@staff_only
async def outbox_page(request: web.Request, staff: Staff) -> web.StreamResponse:
    refused = _forbidden(staff)
    if refused is not None:
        return refused
    items = await request.app[DB].run(problem_messages)
    if _wants_json(request):
        return _json({"messages": items})
    return render("outbox.html", title="Message delivery", page="outbox", staff=staff, messages=items)


@routes.post("/console/outbox/{message_id}/retry")
@staff_only
async def retry_message(request: web.Request, staff: Staff) -> web.StreamResponse:
    refused = _forbidden(staff)
    if refused is not None:
        return refused
    try:
        message_id = int(request.match_info["message_id"])
    except ValueError:
        return _error(404, "not_found", "No such message.")
    if not await request.app[DB].run(worker.retry, message_id):
        return _error(
            409, "not_retryable", "Only a failed message that is not a one-time code can be retried."
        )
    deliverer = request.app.get(worker.DELIVERER)
    if deliverer is not None:
        deliverer.wake()
    if _wants_json(request):
        return _json({"retried": True})
    return _redirect("/console/outbox")


@routes.get("/console/returns")
@staff_only
async def returns_page(request: web.Request, staff: Staff) -> web.StreamResponse:
    """Devices due back, overdue, in transit and returned (any staff member)."""
    items = await request.app[DB].run(returns.returns, request.app[POLICY])
    if _wants_json(request):
        return _json({"returns": items})
    return render("returns.html", title="Equipment returns", page="returns", staff=staff, returns=items)


@routes.post("/console/returns/{rma}/received")
@staff_only
async def return_received(request: web.Request, staff: Staff) -> web.StreamResponse:
    """Record that the device of an RMA arrived back at the warehouse (any staff member)."""
    answer = await request.app[DB].run(returns.mark_returned, request.match_info["rma"], staff.username)
    if _wants_json(request):
        return _json(answer)
    return _redirect("/console/returns")


async def _document(request: web.Request, kind: str, make) -> web.StreamResponse:
    request_id = links.verify(links.key(), kind, request.match_info["token"].removesuffix(".pdf"))

    def work(session: Session):
        found = session.get(CancellationRequest, request_id) if request_id is not None else None
        pdf = make(session, request.app[POLICY], found) if found is not None else None
        return None if pdf is None or found is None else (found.confirmation_number, pdf)

    found = await request.app[DB].run(work)
    if found is None:
        return web.Response(
            status=404, text="This link is not valid or has expired.", headers=SECURITY_HEADERS
        )
    number, pdf = found
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={**SECURITY_HEADERS, "Content-Disposition": f'inline; filename="{kind}-{number}.pdf"'},
    )


@routes.get("/receipts/{token}")
async def receipt_download(request: web.Request) -> web.StreamResponse:
    """The receipt PDF of the request a valid, unexpired signed link names."""
    return await _document(request, "receipt", receipt_pdf_of)


@routes.get("/labels/{token}")
async def label_download(request: web.Request) -> web.StreamResponse:
    """The prepaid return label PDF of the request a valid, unexpired signed link names."""
    return await _document(request, "label", label_pdf_of)
