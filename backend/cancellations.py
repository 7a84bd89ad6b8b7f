"""Cancellation requests (filing, status, revoke, tracking numbers) and refund requests.

Filing is one transaction: the request, the SOP staff task, the audit events and the receipt in
the outbox are written together or not at all. Replays of an idempotency key return the first
request, also when two arrive at the same moment (unique constraint + re-read).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import audit, confirmation, idempotency, outbox, wording
from backend.accounts import (
    account_balance,
    equipment_dict,
    get_service,
    service_dict,
    terms_of,
)
from backend.contact import mask
from backend.db import Database
from backend.errors import Conflict, InvalidField, NotFound
from backend.hashing import conversation_key
from backend.identity import Verified
from backend.models import (
    Account,
    AuthorizedUser,
    CancellationRequest,
    Equipment,
    RefundRequest,
    Service,
    StaffTask,
    iso_utc,
    utcnow,
)
from backend.policy import Policy, business_today, money
from contract.vocabulary.numbers import CONFIRMATION_ALPHABET, format_money

FILING_ATTEMPTS = 5


@dataclass(frozen=True)
class FilingInput:
    service_id: str
    when: str
    end_date: Optional[date]
    reason: Optional[str]
    channel: str
    idempotency_key: str


# --------------------------------------------------------------------------- shapes


def _status(request: CancellationRequest, today: date) -> str:
    if request.status == "revoked":
        return "revoked"
    return "completed" if today > request.end_date else "received"


def cancellation_dict(session: Session, policy: Policy, request: CancellationRequest) -> Dict[str, Any]:
    """The contract's `Cancellation` shape: the filing snapshot plus live service and equipment."""
    today = business_today(policy)
    snap = request.snapshot
    service = session.get(Service, request.service_id)
    return {
        "confirmation_number": request.confirmation_number,
        "status": _status(request, today),
        "received_at": iso_utc(request.received_at),
        "service": service_dict(service, today),
        "when": request.end_kind,
        "end_date": request.end_date.isoformat(),
        "reason": request.reason,
        "final_bill_items": snap["final_bill_items"],
        "balance": snap["balance"],
        "equipment": [equipment_dict(e, policy) for e in service.equipment],
        "return_deadline": snap["return_deadline"],
        "non_return_fee_total": snap["non_return_fee_total"],
        "next_steps": snap["next_steps"],
        "survey_url": snap["survey_url"],
        "receipt_sent_to": snap["receipt_sent_to"],
        "revoked_at": iso_utc(request.revoked_at),
        **return_documents(policy, request, service.equipment),
    }


def return_documents(
    policy: Policy, request: CancellationRequest, devices: List[Equipment]
) -> Dict[str, Any]:
    """The signed receipt link, and for devices still to return the return label's link or, where
    no label can be produced, written return directions (docs/delivery.md)."""
    from backend.delivery import links

    due = [e for e in devices if e.rma and e.tracking_number is None]
    label = bool(due) and policy.returns.label_possible and links.key() is not None
    return {
        "receipt_url": links.url("receipt", request.id),
        "label_url": links.url("label", request.id) if label else None,
        "return_directions": policy.returns.directions if due and not label else None,
    }


def issue_rmas(session: Session, devices: List[Equipment]) -> None:
    """Give each device to return its return authorisation number (RMA-XXXXXXXX, unique)."""
    for device in devices:
        if device.rma is None:
            device.rma = "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))


def _find_by_key(session: Session, account_id: int, key: str) -> Optional[CancellationRequest]:
    return session.execute(
        select(CancellationRequest).where(
            CancellationRequest.account_id == account_id, CancellationRequest.idempotency_key == key
        )
    ).scalar_one_or_none()


def _contact(user: AuthorizedUser) -> Optional[str]:
    return user.email or user.phone


# --------------------------------------------------------------------------- filing


def staff_task_from(who: Verified, task: StaffTask) -> StaffTask:
    """`task`, marked with the conversation it came from (not stored: the tables keep only its keyed
    hash) so that a policy-triggered handoff (backend/handoff/service.py) can reach that conversation."""
    task.origin_conversation_id = who.conversation_id
    return task


def write_receipt(
    session: Session, request: CancellationRequest, destination: str, service_name: str, received_on: date
) -> None:
    """Queue the filing receipt (backend/wording.py) to the customer's registered email/phone;
    `received_on`: the business day of the filing."""
    snap = request.snapshot
    text = wording.receipt(
        service=service_name,
        received_on=received_on,
        confirmation_number=request.confirmation_number,
        end_date=request.end_date,
        balance=snap["balance"],
        return_deadline=snap["return_deadline"],
        next_steps=snap["next_steps"],
    )
    outbox.send(
        session,
        outbox.recipient_key(destination),
        "email" if "@" in destination else "sms",
        "receipt",
        text,
        account_id=request.account_id,
        reference=request.confirmation_number,
    )


def _replay(
    session: Session, policy: Policy, who: Verified, data: FilingInput, scope: str, fingerprint: str
) -> Optional[idempotency.Answer]:
    """The first answer to this Idempotency-Key (409 for another request with it), else None."""
    stored = idempotency.replay(session, scope, data.idempotency_key, fingerprint)
    if stored is not None:
        return stored
    existing = _find_by_key(session, who.account_id, data.idempotency_key)  # filed before answers were stored
    if existing is None:
        return None
    if existing.service_id != data.service_id:
        raise Conflict(
            "This Idempotency-Key was already used with a different request; use a new key "
            "for a new request.",
            "idempotency_key_reused",
        )
    return idempotency.Answer(200, cancellation_dict(session, policy, existing))


def _file_once(
    session: Session, policy: Policy, who: Verified, data: FilingInput, scope: str, fingerprint: str
) -> idempotency.Answer:
    service = get_service(session, who.account_id, data.service_id, lock=True)
    replayed = _replay(session, policy, who, data, scope, fingerprint)
    if replayed is not None:
        return replayed
    if service.status != "active":
        pending = (
            session.execute(
                select(CancellationRequest).where(
                    CancellationRequest.service_id == service.id, CancellationRequest.status == "received"
                )
            )
            .scalars()
            .first()
        )
        raise Conflict(
            wording.ALREADY_REQUESTED,
            "already_requested",
            confirmation_number=pending.confirmation_number if pending else None,
        )
    account = session.get(Account, who.account_id)
    user = session.get(AuthorizedUser, who.user_id)
    balance = account_balance(session, account.id)
    if policy.balance_blocks_filing and balance > 0:
        raise Conflict(
            wording.balance_blocks_filing(balance, policy.currency, policy.how_to_pay),
            "balance_blocks_filing",
        )
    today = business_today(policy)
    to_return = [e for e in service.equipment if e.tracking_number is None]
    quote = policy.quote(terms_of(service), data.when, today, data.end_date, bool(to_return))
    routing = policy.sop_routing(
        account.tier, balance, account.sales_rep_active, account.sales_rep, account.server
    )
    destination = _contact(user)
    snapshot = {
        "final_bill_items": quote.final_bill_items,
        "balance": money(balance),
        "return_deadline": quote.equipment_return_deadline.isoformat()
        if quote.equipment_return_deadline
        else None,
        "non_return_fee_total": money(sum((policy.non_return_fee(e.kind) for e in to_return), Decimal("0"))),
        "next_steps": policy.next_steps(quote, routing, bool(to_return), balance, today),
        "survey_url": routing.survey_url,
        "receipt_sent_to": mask(destination) if destination else None,
        "routing": routing.action,
        "explanation": quote.explanation,
        "renewal_warning": quote.renewal_warning,
        "terms": wording.terms(True, bool(to_return)),  # as accepted (the backup is confirmed to file)
    }
    request = CancellationRequest(
        confirmation_number=confirmation.generate(),
        account_id=account.id,
        service_id=service.id,
        user_id=user.id,
        idempotency_key=data.idempotency_key,
        received_at=utcnow(),
        end_kind=data.when,
        end_date=quote.end_date,
        status="received",
        reason=data.reason,
        channel=data.channel,
        conversation_key=conversation_key(who.conversation_id),
        snapshot=snapshot,
    )
    session.add(request)
    session.flush()  # a concurrent duplicate fails here, before anything else is written
    issue_rmas(session, to_return)
    service.status = "cancellation_pending"
    if routing.action == "sales_callback":
        session.add(
            staff_task_from(
                who,
                StaffTask(
                    account_id=account.id,
                    kind="sales_callback",
                    owner=routing.task_owner,
                    status="open",
                    cancellation_id=request.id,
                    details={
                        "why": routing.task_reason,
                        "tier": account.tier,
                        "receivables": money(balance),
                        "original_sales_rep": account.sales_rep,
                        "rep_active": account.sales_rep_active,
                        "confirmation_number": request.confirmation_number,
                        "service_id": service.id,
                        "end_date": request.end_date.isoformat(),
                        "reason": data.reason,
                        "note": "Call the customer to try to save the account; the request stands.",
                    },
                ),
            )
        )
    audit.record(
        session,
        "cancellation_filed",
        account.id,
        who.conversation_id,
        confirmation_number=request.confirmation_number,
        service_id=service.id,
        when=data.when,
        end_date=request.end_date.isoformat(),
        routing=routing.action,
        task_owner=routing.task_owner,
        channel=data.channel,
    )
    if destination:
        write_receipt(session, request, destination, service.name, today)
    answer = idempotency.Answer(201, cancellation_dict(session, policy, request))
    idempotency.remember(session, scope, data.idempotency_key, fingerprint, answer)
    return answer


def file(
    db: Database, policy: Policy, who: Verified, data: FilingInput, scope: str, fingerprint: str
) -> idempotency.Answer:
    """File a cancellation (blocking; run it in a worker thread). Returns the answer: 201 and the
    Cancellation; a replay of the Idempotency-Key with the same request returns the first answer
    again, another request with it is a Conflict (backend/idempotency.py)."""
    for _ in range(FILING_ATTEMPTS):
        try:
            return db.transaction(_file_once, policy, who, data, scope, fingerprint)
        except Conflict as refusal:  # the customer confirmed but the request cannot be filed
            code = refusal.code
            if code != "idempotency_key_reused":  # a client's mistake, not a refusal
                db.transaction(
                    lambda session, code=code: audit.record(
                        session,
                        "cancellation_refused",
                        who.account_id,
                        who.conversation_id,
                        service_id=data.service_id,
                        refusal=code,
                        channel=data.channel,
                    )
                )
            raise
        except IntegrityError:
            # Either the same Idempotency-Key committed first (answer with that request) or the
            # random confirmation number collided (try again with a new one).
            replayed = db.transaction(_replay, policy, who, data, scope, fingerprint)
            if replayed is not None:
                return replayed
    raise RuntimeError("could not file the cancellation request")


# --------------------------------------------------------------------------- after filing


def _own_request(session: Session, who: Verified, number: str, lock: bool = False) -> CancellationRequest:
    canonical = confirmation.normalize(number)
    if canonical is None or not confirmation.is_valid(canonical):
        raise InvalidField(
            "confirmation_number",
            "is not a valid confirmation number (check for typos)",
            code="invalid_confirmation_number",
        )
    query = select(CancellationRequest).where(
        CancellationRequest.confirmation_number == canonical, CancellationRequest.account_id == who.account_id
    )
    if lock:
        query = query.with_for_update()
    request = session.execute(query).scalar_one_or_none()
    if request is None:
        raise NotFound(wording.NO_SUCH_REQUEST)
    return request


def status(session: Session, policy: Policy, who: Verified, number: str) -> Dict[str, Any]:
    """A request of the verified account; 404 for unknown numbers and other accounts' numbers."""
    return cancellation_dict(session, policy, _own_request(session, who, number))


def revoke(session: Session, policy: Policy, who: Verified, number: str) -> Dict[str, Any]:
    """Withdraw a request before its end date; 409 once the end date is reached or if revoked."""
    request = _own_request(session, who, number, lock=True)
    if request.status == "revoked":
        raise Conflict(wording.ALREADY_REVOKED, "already_revoked")
    if business_today(policy) >= request.end_date:
        raise Conflict(wording.END_DATE_PASSED, "end_date_passed")
    request.status, request.revoked_at = "revoked", utcnow()
    service = session.get(Service, request.service_id)
    service.status = "active"
    for task in session.execute(
        select(StaffTask).where(StaffTask.cancellation_id == request.id, StaffTask.status == "open")
    ).scalars():
        task.status = "closed"
    audit.record(
        session,
        "cancellation_revoked",
        who.account_id,
        who.conversation_id,
        confirmation_number=request.confirmation_number,
    )
    user = session.get(AuthorizedUser, who.user_id)
    destination = _contact(user)
    if destination:
        outbox.send(
            session,
            outbox.recipient_key(destination),
            "email" if "@" in destination else "sms",
            "revoked",
            wording.revoked_notice(request.confirmation_number, service.name),
            account_id=who.account_id,
        )
    return cancellation_dict(session, policy, request)


RMA_ALPHABET = CONFIRMATION_ALPHABET  # no 0/O, 1/I, as confirmation numbers
TRACKING_RE = re.compile(r"^[A-Z0-9]{8,40}$")


def normalize_tracking(value: str) -> str:
    """Uppercase, without spaces or dashes; InvalidField unless 8-40 letters/digits."""
    compact = re.sub(r"[\s\-]", "", value).upper()
    if not TRACKING_RE.match(compact):
        raise InvalidField("tracking_number", "must be 8 to 40 letters and digits")
    return compact


def report_tracking(
    session: Session,
    policy: Policy,
    who: Verified,
    number: str,
    tracking_number: str,
    equipment_id: Optional[str],
) -> Dict[str, Any]:
    """Record the return shipment's tracking number on the request's equipment (or one device)."""
    tracking = normalize_tracking(tracking_number)
    request = _own_request(session, who, number, lock=True)
    if request.status == "revoked":
        raise Conflict(wording.REVOKED_NO_EQUIPMENT, "request_revoked")
    items: List[Equipment] = list(
        session.execute(
            select(Equipment).where(Equipment.service_id == request.service_id).order_by(Equipment.id)
        ).scalars()
    )
    if not items:
        raise Conflict(wording.NO_EQUIPMENT, "no_equipment")
    targets = items
    if equipment_id is not None:
        targets = [e for e in items if e.id == equipment_id]
        if not targets:
            raise NotFound(wording.NO_SUCH_DEVICE, "equipment_not_found")
    now = utcnow()
    for item in targets:
        item.tracking_number, item.tracking_reported_at = tracking, now
    audit.record(
        session,
        "tracking_reported",
        who.account_id,
        who.conversation_id,
        confirmation_number=request.confirmation_number,
        equipment_ids=[e.id for e in targets],
        tracking_number=tracking,
    )
    return {"recorded": True, "equipment": [equipment_dict(e, policy) for e in items]}


# --------------------------------------------------------------------------- refunds


def request_refund(
    session: Session, policy: Policy, who: Verified, amount: Decimal, reason: str, service_id: Optional[str]
) -> Dict[str, Any]:
    """Seed 002 refunds: a credit and a billing task up to the threshold; above it a review task
    and a Slack heads-up to the billing owner."""
    if service_id is not None:
        get_service(session, who.account_id, service_id)
    routing = policy.refund_routing(amount)
    refund = RefundRequest(
        account_id=who.account_id,
        service_id=service_id,
        amount=amount,
        reason=reason,
        status=routing.status,
        conversation_key=conversation_key(who.conversation_id),
    )
    session.add(refund)
    session.flush()
    task = staff_task_from(
        who,
        StaffTask(
            account_id=who.account_id,
            kind="billing_review",
            owner=routing.owner,
            status="billing_in_progress",
            refund_id=refund.id,
            notify_slack=routing.notify_billing,
            details={
                "amount": money(amount),
                "reason": reason,
                "service_id": service_id,
                "outcome": routing.status,
                "note": (
                    "Issue the credit."
                    if routing.status == "credit_processing"
                    else "Review the refund request and decide."
                ),
            },
        ),
    )
    session.add(task)
    session.flush()
    if routing.notify_billing:
        outbox.send(
            session,
            routing.owner,
            "slack",
            "billing_alert",
            f"Heads-up {routing.owner}: refund request of {format_money(amount, policy.currency)} waiting for your review "
            f"(billing task #{task.id}).",
            account_id=who.account_id,
        )
    audit.record(
        session,
        "refund_requested",
        who.account_id,
        who.conversation_id,
        amount=money(amount),
        status=routing.status,
        task_owner=routing.owner,
        refund_id=refund.id,
    )
    return {"status": routing.status, "amount": money(amount), "message": routing.message}
