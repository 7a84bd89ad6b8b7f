"""Read side of an account: services, balance, equipment, quotes, and their JSON shapes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import audit, wording
from backend.errors import NotFound
from backend.models import CancellationRequest, Equipment, Invoice, Service
from backend.policy import Policy, ServiceTerms, business_today, current_anniversary, money

LISTED_STATUSES = ("active", "cancellation_pending")


def service_dict(service: Service, today: date) -> Dict[str, Any]:
    """The contract's `Service` shape (plus `discount`/`paused_until` when a save was applied) on
    the business day `today`."""
    bundle = None
    if service.bundle is not None:
        bundle = {
            "id": service.bundle.id,
            "name": service.bundle.name,
            "members": [{"id": s.id, "name": s.name} for s in service.bundle.services],
        }
    out = {
        "id": service.id,
        "name": service.name,
        "plan": service.plan,
        "price": money(service.price),
        "billing_period": service.billing_period,
        "next_anniversary": current_anniversary(terms_of(service), today).isoformat(),
        "bundle": bundle,
        "status": service.status,
    }
    if service.discount_percent and service.discount_until and service.discount_until >= today:
        out["discount"] = {
            "percent_off": service.discount_percent,
            "until": service.discount_until.isoformat(),
        }
    if service.paused_until and service.paused_until >= today:
        out["paused_until"] = service.paused_until.isoformat()
    return out


def terms_of(service: Service) -> ServiceTerms:
    return ServiceTerms(
        service.name, Decimal(service.price), service.billing_period, service.next_anniversary
    )


def get_service(session: Session, account_id: int, service_id: str, lock: bool = False) -> Service:
    """The account's service `service_id`; 404 for unknown ids and for other accounts' services."""
    query = select(Service).where(Service.id == service_id, Service.account_id == account_id)
    if lock:
        query = query.with_for_update()
    service = session.execute(query).scalar_one_or_none()
    if service is None:
        raise NotFound("No such service on this account.", "service_not_found")
    return service


def list_services(session: Session, policy: Policy, account_id: int) -> Dict[str, Any]:
    """Services that are still running (active, or with a cancellation pending)."""
    rows = (
        session.execute(
            select(Service)
            .where(Service.account_id == account_id, Service.status.in_(LISTED_STATUSES))
            .order_by(Service.id)
        )
        .scalars()
        .all()
    )
    today = business_today(policy)
    pending = {
        r.service_id: r
        for r in session.execute(
            select(CancellationRequest)
            .where(
                CancellationRequest.account_id == account_id,
                CancellationRequest.status == "received",
            )
            .order_by(CancellationRequest.id)
        ).scalars()
    }
    listed = []
    for service in rows:
        item = service_dict(service, today)
        request = pending.get(service.id)
        if service.status == "cancellation_pending" and request is not None:
            # the request already filed: the assistant offers its status or revoke, not a new one
            item["pending_cancellation"] = {
                "confirmation_number": request.confirmation_number,
                "end_date": request.end_date.isoformat(),
            }
        listed.append(item)
    return {"services": listed}


def account_balance(session: Session, account_id: int) -> Decimal:
    """Receivables: the sum of the account's open invoices."""
    amounts = session.execute(
        select(Invoice.amount_due).where(Invoice.account_id == account_id, Invoice.status == "open")
    ).scalars()
    return sum((Decimal(a) for a in amounts), Decimal("0")).quantize(Decimal("0.01"))  # in Decimal, not SQL


def balance(session: Session, policy: Policy, account_id: int) -> Dict[str, Any]:
    """The contract's balance answer: amount, open invoices, whether it blocks filing, how to pay."""
    invoices = (
        session.execute(
            select(Invoice)
            .where(Invoice.account_id == account_id, Invoice.status == "open")
            .order_by(Invoice.due_date)
        )
        .scalars()
        .all()
    )
    total = account_balance(session, account_id)
    return {
        "balance": money(total),
        "currency": policy.currency,
        "invoices": [
            {"number": i.number, "amount_due": money(i.amount_due), "due_date": i.due_date.isoformat()}
            for i in invoices
        ],
        "due_at_cancellation": total > 0,
        "blocks_filing": bool(policy.balance_blocks_filing and total > 0),
        "how_to_pay": policy.how_to_pay,
    }


def equipment_dict(item: Equipment, policy: Policy) -> Dict[str, Any]:
    return {
        "id": item.id,
        "service_id": item.service_id,
        "model": item.model,
        "serial_last4": item.serial[-4:],
        "kind": item.kind,
        "retail_price": money(item.retail_price),
        "non_return_fee": money(policy.non_return_fee(item.kind)),
        "tracking_number": item.tracking_number,
        "rma": item.rma,
    }


def leased_equipment(session: Session, account_id: int, service_id: Optional[str] = None) -> List[Equipment]:
    query = select(Equipment).where(Equipment.account_id == account_id).order_by(Equipment.id)
    if service_id is not None:
        query = query.where(Equipment.service_id == service_id)
    return list(session.execute(query).scalars().all())


def equipment(session: Session, policy: Policy, account_id: int, service_id: Optional[str]) -> Dict[str, Any]:
    """Leased devices (of one service, or of the account) with their non-return fees."""
    if service_id is not None:
        get_service(session, account_id, service_id)
    items = leased_equipment(session, account_id, service_id)
    return {
        "equipment": [equipment_dict(e, policy) for e in items],
        "return_window_days": policy.return_window_days,
    }


def quote(
    session: Session,
    policy: Policy,
    account_id: int,
    service_id: str,
    when: Optional[str],
    end_date: Optional[date],
    conversation_id: Optional[str] = None,
) -> Dict[str, Any]:
    """Quotes for one end option, or for immediate and end_of_period when `when` is None. With a
    conversation id, the audit trail records that the customer chose this service (reports' funnel)."""
    service = get_service(session, account_id, service_id)
    has_equipment = any(e.tracking_number is None for e in service.equipment)
    today = business_today(policy)
    options = [when] if when else ["immediate", "end_of_period"]
    answer = {
        "options": [
            policy.quote(terms_of(service), w, today, end_date, has_equipment).as_dict() for w in options
        ],
        "latest_date": policy.latest_end_date(today).isoformat(),
    }
    if conversation_id:
        audit.record(session, "service_quoted", account_id, conversation_id, service_id=service.id, when=when)
    return answer


def preview(
    session: Session,
    policy: Policy,
    account_id: int,
    service_id: str,
    when: str,
    end_date: Optional[date],
    backup_confirmed: bool,
    conversation_id: Optional[str] = None,
) -> Dict[str, Any]:
    """The whole cancellation summary before the customer confirms, as filing would settle it now:
    the service, the end option's quote, the balance, the devices to return with their deadline and
    fees, and the terms the final "yes" accepts (backend/wording.py). Recorded like a quote."""
    service = get_service(session, account_id, service_id)
    to_return = [e for e in leased_equipment(session, account_id, service_id) if e.tracking_number is None]
    today = business_today(policy)
    quote = policy.quote(terms_of(service), when, today, end_date, bool(to_return))
    if conversation_id:
        audit.record(session, "service_quoted", account_id, conversation_id, service_id=service.id, when=when)
    deadline = quote.equipment_return_deadline
    return {
        "service": service_dict(service, today),
        "when": quote.when,
        "end_date": quote.end_date.isoformat(),
        "refund": money(quote.refund),
        "final_bill_items": quote.final_bill_items,
        "renewal_warning": quote.renewal_warning,
        "explanation": quote.explanation,
        "balance": balance(session, policy, account_id),
        "equipment": [equipment_dict(e, policy) for e in to_return],
        "return_deadline": deadline.isoformat() if deadline else None,
        "non_return_fee_total": money(sum((policy.non_return_fee(e.kind) for e in to_return), Decimal("0"))),
        "terms": wording.terms(backup_confirmed, bool(to_return)),
    }
