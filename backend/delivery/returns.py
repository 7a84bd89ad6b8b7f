"""Where each return authorisation (RMA) stands, for the staff console's returns page: a device
with an RMA is `due` until its return deadline, then `overdue`; once the customer reports the
shipment's tracking number (POST /api/v1/cancellations/{number}/tracking) it is `in_transit`; once
staff record it arrived at the warehouse (`mark_returned`) it is `returned`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import audit
from backend.errors import NotFound
from backend.models import CancellationRequest, Equipment, iso_utc, utcnow
from backend.policy import Policy, business_today

STATES = ("overdue", "due", "in_transit", "returned")  # the page's order


def rma_state(
    tracking_number: Optional[str],
    deadline: Optional[date],
    today: date,
    returned_at: Optional[datetime] = None,
) -> str:
    """`returned` once received, else `in_transit` once tracked, else `overdue` after the deadline,
    else `due`."""
    if returned_at is not None:
        return "returned"
    if tracking_number:
        return "in_transit"
    return "overdue" if deadline is not None and today > deadline else "due"


def returns(session: Session, policy: Policy) -> List[Dict[str, Any]]:
    """Every device with an RMA on a request that stands: overdue, due, in transit, returned; each
    by deadline (overdue once the business day is past it)."""
    today = business_today(policy)
    rows = session.execute(
        select(Equipment, CancellationRequest)
        .join(CancellationRequest, CancellationRequest.service_id == Equipment.service_id)
        .where(Equipment.rma.isnot(None), CancellationRequest.status == "received")
    ).all()
    out = []
    for device, request in rows:
        raw = request.snapshot.get("return_deadline")
        deadline = date.fromisoformat(raw) if raw else None
        out.append(
            {
                "rma": device.rma,
                "model": device.model,
                "serial_last4": device.serial[-4:],
                "confirmation_number": request.confirmation_number,
                "return_deadline": raw,
                "tracking_number": device.tracking_number,
                "returned_at": iso_utc(device.returned_at),
                "state": rma_state(device.tracking_number, deadline, today, device.returned_at),
            }
        )
    return sorted(out, key=lambda r: (STATES.index(r["state"]), r["return_deadline"] or "", r["rma"]))


def mark_returned(session: Session, rma: str, staff_username: str) -> Dict[str, Any]:
    """Record that the device of `rma` arrived back (idempotent: the first arrival is kept)."""
    device = session.execute(
        select(Equipment).where(Equipment.rma == rma.strip().upper()).with_for_update()
    ).scalar_one_or_none()
    if device is None:
        raise NotFound("No device with this return authorisation number.", "rma_not_found")
    if device.returned_at is None:
        device.returned_at = utcnow()
        audit.record(session, "equipment_returned", device.account_id, staff=staff_username, rma=device.rma)
    return {"rma": device.rma, "state": "returned", "returned_at": iso_utc(device.returned_at)}
