"""Where each return authorisation (RMA) stands, for the staff console's returns page: a device
with an RMA is `due` until its return deadline, then `overdue`; once the customer reports the
shipment's tracking number (POST /api/v1/cancellations/{number}/tracking) it is `in_transit`."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts import today_utc
from backend.models import CancellationRequest, Equipment


def rma_state(tracking_number: str | None, deadline: date | None, today: date) -> str:
    """`in_transit` once tracked, else `overdue` after the deadline, else `due`."""
    if tracking_number:
        return "in_transit"
    return "overdue" if deadline is not None and today > deadline else "due"


def returns(session: Session) -> List[Dict[str, Any]]:
    """Every device with an RMA on a request that stands, overdue first, then by deadline."""
    today = today_utc()
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
                "state": rma_state(device.tracking_number, deadline, today),
            }
        )
    order = {"overdue": 0, "due": 1, "in_transit": 2}
    return sorted(out, key=lambda r: (order[r["state"]], r["return_deadline"] or "", r["rma"]))
