"""Retention offers: at most one per service per conversation, chosen by policy; outcome recorded."""

from __future__ import annotations

import random
import secrets
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Dict, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import audit, wording
from backend.accounts import get_service
from backend.errors import Conflict, NotFound
from backend.hashing import conversation_key
from backend.identity import Verified
from backend.models import Account, RetentionOffer, Service, utcnow
from backend.policy import CENT, Policy, add_months, business_today, period_months


def offer_dict(offer: RetentionOffer, terms: Optional[str] = None) -> Dict[str, Any]:
    """The offer as the API shows it; ``terms``: what it costs, in the customer's words (given
    where the service is at hand: when the offer is made or asked for again)."""
    shown = {"id": offer.id, "kind": offer.kind, "title": offer.title, "description": offer.description}
    return {**shown, "terms": terms} if terms else shown


def offer_terms(policy: Policy, offer: RetentionOffer, service: Service) -> str:
    """What the customer would pay with ``offer`` on ``service`` (its rule's `apply`, as
    apply_save would apply it), in their words (backend/wording.py)."""
    rule = policy.offers_by_id.get(offer.rule_id)
    settings = rule.apply if rule else {}
    price = Decimal(service.price)
    pct = Decimal(settings.get("percent_off", 0))
    reduced = (price * (100 - pct) / 100).quantize(CENT)
    period = "year" if period_months(service.billing_period) == 12 else "month"
    if offer.kind == "discount":
        return wording.offer_discount_terms(price, reduced, period, int(settings.get("months", 1)))
    if offer.kind in ("downgrade", "plan_switch"):
        return wording.offer_plan_terms(price, reduced, period, str(settings.get("plan", service.plan)))
    return wording.offer_pause_terms(price, period, int(settings.get("months", 1)))


def _existing(session: Session, service_id: str, conversation_id: str) -> Optional[RetentionOffer]:
    return session.execute(
        select(RetentionOffer).where(
            RetentionOffer.service_id == service_id,
            RetentionOffer.conversation_key == conversation_key(conversation_id),
        )
    ).scalar_one_or_none()


HOLDOUT = "holdout"  # status of the offer a held-out customer would have been made (never shown)
_draws = random.SystemRandom()


def _answer(offer: Optional[RetentionOffer], policy: Policy, service: Service) -> Dict[str, Any]:
    if offer is None or offer.status == HOLDOUT:
        return {"offer": None}
    return {"offer": offer_dict(offer, offer_terms(policy, offer, service))}


def make_offer(
    session: Session,
    policy: Policy,
    who: Verified,
    service_id: str,
    reason: Optional[str],
    draw: Optional[Callable[[], float]] = None,
) -> Dict[str, Any]:
    """Record and return the policy's offer for this reason and tier (or null). Repeat calls in the
    same conversation return the offer already made. An eligible customer drawn into the holdout
    (policy `offer_holdout_share`) gets null; the offer they would have had is stored as `holdout`."""
    service = get_service(session, who.account_id, service_id)
    existing = _existing(session, service.id, who.conversation_id)
    if existing is not None:
        return _answer(existing, policy, service)
    account = session.get(Account, who.account_id)
    rule = policy.choose_offer(reason, account.tier)
    if rule is None or service.status != "active":
        audit.record(
            session, "offer_none", who.account_id, who.conversation_id, service_id=service.id, reason=reason
        )
        return {"offer": None}
    held_out = policy.in_offer_holdout((draw or _draws.random)())
    offer = RetentionOffer(
        id="OFR-" + secrets.token_hex(5).upper(),
        account_id=who.account_id,
        service_id=service.id,
        conversation_key=conversation_key(who.conversation_id),
        rule_id=rule.id,
        kind=rule.kind,
        title=rule.title,
        description=rule.description,
        reason=reason,
        status=HOLDOUT if held_out else "made",
    )
    try:
        with session.begin_nested():
            session.add(offer)
    except IntegrityError:  # the same conversation asked twice at once
        return _answer(_existing(session, service.id, who.conversation_id), policy, service)
    audit.record(
        session,
        "offer_holdout" if held_out else "offer_made",
        who.account_id,
        who.conversation_id,
        service_id=service.id,
        offer_id=offer.id,
        rule_id=rule.id,
        kind=rule.kind,
        reason=reason,
    )
    return _answer(offer, policy, service)


def apply_save(
    policy: Policy, offer: RetentionOffer, service: Service, today: Optional[date] = None
) -> Dict[str, Any]:
    """Apply an accepted offer's `apply` settings to the service (as of `today`); return what changed."""
    rule = policy.offers_by_id.get(offer.rule_id)
    settings = rule.apply if rule else {}
    today = today or business_today(policy)
    changes: Dict[str, Any] = {}
    if offer.kind == "discount":
        service.discount_percent = settings["percent_off"]
        service.discount_until = add_months(today, settings.get("months", 1))
        changes = {
            "discount_percent": service.discount_percent,
            "discount_until": service.discount_until.isoformat(),
        }
    elif offer.kind in ("downgrade", "plan_switch"):
        old_price = Decimal(service.price)
        pct = Decimal(settings.get("percent_off", 0))
        service.plan = settings.get("plan", service.plan)
        service.price = (old_price * (100 - pct) / 100).quantize(CENT)
        changes = {"plan": service.plan, "old_price": str(old_price), "price": str(service.price)}
    elif offer.kind == "pause":
        service.paused_until = add_months(today, settings.get("months", 1))
        changes = {"paused_until": service.paused_until.isoformat()}
    return changes


def decide(session: Session, policy: Policy, who: Verified, offer_id: str, accepted: bool) -> Dict[str, Any]:
    """Record the customer's answer; accepting applies the save. Repeating the same answer is a no-op."""
    offer = session.execute(
        select(RetentionOffer)
        .where(RetentionOffer.id == offer_id, RetentionOffer.account_id == who.account_id)
        .with_for_update()
    ).scalar_one_or_none()
    if offer is None or offer.status == HOLDOUT:
        raise NotFound("No such offer.", "offer_not_found")
    status = "accepted" if accepted else "declined"
    if offer.status == status:
        return {"offer": offer_dict(offer), "status": status}
    if offer.status != "made":
        raise Conflict(f"This offer was already {offer.status}.", "offer_already_decided")
    changes: Dict[str, Any] = {}
    if accepted:
        service = get_service(session, who.account_id, offer.service_id, lock=True)
        if service.status != "active":
            raise Conflict("The service already has a cancellation request.", "service_not_active")
        changes = apply_save(policy, offer, service)
    offer.status, offer.decided_at = status, utcnow()
    audit.record(
        session,
        "offer_outcome",
        who.account_id,
        who.conversation_id,
        offer_id=offer.id,
        outcome=status,
        changes=changes,
    )
    return {"offer": offer_dict(offer), "status": status}
