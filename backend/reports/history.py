"""Writes past cancellation conversations the way the backend records them (audit events, offers,
requests, handoffs, refunds), for the reports' fixture test, the demo history (`cancel-backend
seed --history`) and the benchmark. Each `Script` states what happened in one conversation;
`write` inserts the rows in bulk with the script's own timestamps.
"""

from __future__ import annotations

import itertools
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backend import confirmation
from backend.handoff.models import Handoff
from backend.hashing import conversation_key, seal_conversation_id
from backend.models import (
    Account,
    AuditEvent,
    CancellationRequest,
    RefundRequest,
    RetentionOffer,
    Service,
)
from backend.offers import apply_save
from backend.policy import Policy
from backend.reports.summary import invalidate
from contract.shapes import END_KINDS
from contract.vocabulary.reasons import REASONS

CHANNELS = ("socketio", "slack", "twilio")  # Rasa input channel names, as the action server sends them


@dataclass
class Script:
    """One conversation. Steps are recorded `step` seconds apart from `started_at`, in this order:
    verification started, identified, service quoted, offer request (reason), offer answer,
    confirmation/filing; `misunderstood` messages the assistant did not understand come right
    after verification started, the customer's stop after the last step; a handoff is queued after
    that and a person joins after `handoff_wait` seconds (None: nobody joined)."""

    conversation_id: str
    started_at: datetime
    channel: str = "socketio"  # input channel ("": none named at the start of verification)
    customer: str = "c1"  # scripts with the same customer share one account and service
    tier: str = "Essentials"
    price: Decimal = Decimal("50.00")
    billing_period: str = "monthly"
    identified: bool = True
    quoted: bool = True
    offer_requested: bool = False  # the action server asked for an offer (with `reason`)
    reason: Optional[str] = None
    offer_rule: Optional[str] = None  # the offer the policy chose (None: no offer for this reason/tier)
    holdout: bool = False
    outcome: Optional[str] = None  # accepted | declined | None (no answer)
    confirmed: bool = False
    filed: Optional[str] = None  # end option of the filed request: immediate | end_of_period | date
    filing_reason: Optional[str] = None  # reason sent with the filing (None: none recorded)
    revoked: bool = False
    handoff: Optional[str] = None  # handoff reason code
    handoff_wait: Optional[int] = None
    refund: Optional[str] = None  # credit_processing | under_review
    misunderstood: int = 0  # messages the assistant did not understand (recorded after verification started)
    stopped: bool = False  # the customer stopped the cancellation (recorded after the last step)
    step: int = 60


class _Ids:
    def __init__(self, session: Session):
        top = session.execute(
            select(Account.account_number).order_by(Account.account_number.desc()).limit(1)
        ).scalar()
        self.numbers = itertools.count(max(int(top) + 1 if top and top.isdigit() else 0, 90_000_000))


def _customers(session: Session, scripts: List[Script]) -> Dict[str, Tuple[int, str]]:
    """One account and service per customer key: (account id, service id)."""
    ids = _Ids(session)
    wanted: Dict[str, Script] = {}
    for s in scripts:
        wanted.setdefault(s.customer, s)
    out: Dict[str, Tuple[int, str]] = {}
    accounts, services = [], []
    for s in wanted.values():
        number = f"{next(ids.numbers):08d}"
        accounts.append(
            {
                "account_number": number,
                "name": f"History customer {number}",
                "tier": s.tier,
                "billing_zip": "00000",
                "sales_rep_active": True,
                "created_at": s.started_at,
            }
        )
    if accounts:
        session.execute(insert(Account), accounts)
    by_number = (
        dict(
            session.execute(
                select(Account.account_number, Account.id).where(
                    Account.account_number.in_([a["account_number"] for a in accounts])
                )
            ).all()
        )
        if accounts
        else {}
    )
    for (key, s), a in zip(wanted.items(), accounts, strict=False):
        service_id = "SVC-H" + secrets.token_hex(6).upper()
        services.append(
            {
                "id": service_id,
                "account_id": by_number[a["account_number"]],
                "name": "Hosted service",
                "plan": "Standard",
                "price": s.price,
                "billing_period": s.billing_period,
                "next_anniversary": s.started_at.date() + timedelta(days=30),
                "status": "active",
            }
        )
        out[key] = (by_number[a["account_number"]], service_id)
    if services:
        session.execute(insert(Service), services)
    return out


def write(session: Session, policy: Policy, scripts: Iterable[Script]) -> int:
    """Insert the rows the backend would have recorded for these conversations; returns their count."""
    scripts = list(scripts)
    customers = _customers(session, scripts)
    audit, offers, requests, handoffs, refunds = [], [], [], [], []

    def event(at, action, account_id, key, **details):
        audit.append(
            {
                "at": at,
                "action": action,
                "account_id": account_id,
                "conversation_key": key,
                "details": details,
            }
        )

    for s in scripts:
        account_id, service_id = customers[s.customer]
        cid, t = conversation_key(s.conversation_id), s.started_at  # the tables hold the keyed hash
        sealed = seal_conversation_id(s.conversation_id)  # as backend.audit keeps it on entry steps
        tick = itertools.count(1)
        at = lambda t=t, s=s, tick=tick: t + timedelta(seconds=s.step * next(tick))  # noqa: E731
        known = account_id if s.identified else None
        event(
            t,
            "verify_started",
            known,
            cid,
            identifier_kind="account_number",
            known=s.identified,
            channel=s.channel,
            sealed_conversation=sealed,
        )
        last = t
        for _ in range(s.misunderstood):
            last = at()
            event(
                last, "conversation_misunderstood", None, cid, channel=s.channel, sealed_conversation=sealed
            )
        if s.identified:
            last = at()
            event(last, "verify_succeeded", account_id, cid, factor_type="pin")
        if s.identified and s.quoted:
            last = at()
            event(last, "service_quoted", account_id, cid, service_id=service_id, when=None)
        if s.identified and s.offer_requested:
            last = at()
            rule = policy.offers_by_id.get(s.offer_rule) if s.offer_rule else None
            if rule is None:
                event(last, "offer_none", account_id, cid, service_id=service_id, reason=s.reason)
            else:
                offer_id = "OFR-" + secrets.token_hex(5).upper()
                status = "holdout" if s.holdout else "made"
                row = {
                    "id": offer_id,
                    "account_id": account_id,
                    "service_id": service_id,
                    "conversation_key": cid,
                    "rule_id": rule.id,
                    "kind": rule.kind,
                    "title": rule.title,
                    "description": rule.description,
                    "reason": s.reason,
                    "status": status,
                    "made_at": last,
                    "decided_at": None,
                }
                event(
                    last,
                    "offer_holdout" if s.holdout else "offer_made",
                    account_id,
                    cid,
                    service_id=service_id,
                    offer_id=offer_id,
                    rule_id=rule.id,
                    kind=rule.kind,
                    reason=s.reason,
                )
                if s.outcome and not s.holdout:
                    last = at()
                    changes = {}
                    if s.outcome == "accepted":
                        service = Service(price=s.price, plan="Standard")
                        changes = apply_save(
                            policy,
                            RetentionOffer(**{"rule_id": rule.id, "kind": rule.kind}),
                            service,
                            today=last.date(),
                        )
                    row.update(status=s.outcome, decided_at=last)
                    event(
                        last,
                        "offer_outcome",
                        account_id,
                        cid,
                        offer_id=offer_id,
                        outcome=s.outcome,
                        changes=changes,
                    )
                offers.append(row)
        if s.identified and s.confirmed:
            last = at()
            if s.filed:
                number = confirmation.generate()
                requests.append(
                    {
                        "confirmation_number": number,
                        "account_id": account_id,
                        "service_id": service_id,
                        "idempotency_key": f"history-{cid}",
                        "received_at": last,
                        "end_kind": s.filed,
                        "end_date": last.date(),
                        "status": "revoked" if s.revoked else "received",
                        "reason": s.filing_reason,
                        "channel": s.channel,
                        "conversation_key": cid,
                        "revoked_at": last + timedelta(days=1) if s.revoked else None,
                        "snapshot": {"history": True},
                    }
                )
                event(
                    last,
                    "cancellation_filed",
                    account_id,
                    cid,
                    confirmation_number=number,
                    service_id=service_id,
                    when=s.filed,
                    end_date=last.date().isoformat(),
                    routing="none",
                    task_owner=None,
                    channel=s.channel,
                )
                if s.revoked:
                    event(
                        last + timedelta(days=1),
                        "cancellation_revoked",
                        account_id,
                        cid,
                        confirmation_number=number,
                    )
            else:
                event(
                    last,
                    "cancellation_refused",
                    account_id,
                    cid,
                    service_id=service_id,
                    refusal="balance_blocks_filing",
                    channel=s.channel,
                )
        if s.refund:
            last = at()
            refunds.append(
                {
                    "account_id": account_id,
                    "service_id": service_id,
                    "amount": Decimal("20.00"),
                    "reason": "history",
                    "status": s.refund,
                    "conversation_key": cid,
                    "created_at": last,
                }
            )
            event(
                last,
                "refund_requested",
                account_id,
                cid,
                amount="20.00",
                status=s.refund,
                task_owner=policy.billing_owner,
            )
        if s.stopped:
            last = at()
            event(last, "conversation_stopped", None, cid, channel=s.channel, sealed_conversation=sealed)
        if s.handoff:
            last = at()
            joined = last + timedelta(seconds=s.handoff_wait) if s.handoff_wait is not None else None
            # closed in any case: a past chat must not wait in today's queue (no person joined: closed later)
            handoffs.append(
                {
                    "conversation_id": s.conversation_id,
                    "conversation_key": cid,
                    "channel": s.channel,
                    "reason": s.handoff,
                    "status": "closed",
                    "account_id": known,
                    "paused": False,
                    "on_duty": True,
                    "created_at": last,
                    "assigned_at": joined,
                    "closed_at": (joined or last) + timedelta(minutes=30),
                    "outcome": "closed",
                }
            )
            event(
                last,
                "handoff_requested",
                known,
                cid,
                reason=s.handoff,
                channel=s.channel,
                on_duty=True,
                sealed_conversation=sealed,
            )
    for model, rows in (
        (RetentionOffer, offers),
        (CancellationRequest, requests),
        (Handoff, handoffs),
        (RefundRequest, refunds),
        (AuditEvent, audit),
    ):
        for start in range(0, len(rows), 5000):
            session.execute(insert(model), rows[start : start + 5000])
    invalidate(session)  # past events: the reports' summary is rebuilt on its next refresh
    return len(scripts)


def synthetic(
    policy: Policy, count: int, days: int, end: Optional[date] = None, seed: int = 12
) -> List[Script]:
    """`count` plausible conversations spread over the `days` before `end` (default today): most
    identify, about a third give no reason, the policy's offer is made (a `offer_holdout_share`
    of them held out), a third of offers are accepted, some ask for a person."""
    rng = random.Random(seed)
    end = end or datetime.utcnow().date()
    start = datetime.combine(end - timedelta(days=days), datetime.min.time())
    tag = secrets.token_hex(3)
    scripts = []
    for i in range(count):
        tier = rng.choices(policy.tiers, weights=[5, 4, 2, 2, 1][: len(policy.tiers)] or None)[0]
        s = Script(
            f"history-{tag}-{i}",
            start + timedelta(seconds=rng.randrange(days * 86400)),
            channel=rng.choices(CHANNELS, weights=[6, 2, 2])[0],
            customer=f"{tag}-{i}",
            tier=tier,
            price=Decimal(rng.choice(["19.00", "49.00", "99.00", "249.00"])),
            billing_period=rng.choices(["monthly", "annual"], weights=[4, 1])[0],
            step=rng.randrange(20, 150),
        )
        s.identified = rng.random() < 0.85
        s.quoted = rng.random() < 0.92
        if s.identified and s.quoted:
            s.reason = None if rng.random() < 0.3 else rng.choice(REASONS)
            s.offer_requested = rng.random() < 0.9
            rule = policy.choose_offer(s.reason, tier)
            if s.offer_requested and rule is not None:
                s.offer_rule = rule.id
                s.holdout = rng.random() < policy.offer_holdout_share
                if not s.holdout:
                    s.outcome = rng.choices(["accepted", "declined", None], weights=[3, 6, 1])[0]
            if s.outcome != "accepted" and rng.random() < 0.85:
                s.confirmed = True
                s.filed = None if rng.random() < 0.03 else rng.choice(END_KINDS)
                s.filing_reason = s.reason
                s.revoked = bool(s.filed) and rng.random() < 0.04
        if rng.random() < 0.12:
            s.handoff = rng.choices(
                ["customer_request", "fallback", "verification_locked", "policy:refund_over_threshold"],
                weights=[5, 3, 1, 1],
            )[0]
            s.handoff_wait = None if rng.random() < 0.1 else rng.randrange(15, 900)
        if rng.random() < 0.1:
            s.misunderstood = rng.choice([1, 1, 2])
        if not s.filed and s.outcome != "accepted" and not s.handoff and rng.random() < 0.4:
            s.stopped = True
        if s.identified and rng.random() < 0.03:
            s.refund = rng.choices(["credit_processing", "under_review"], weights=[4, 1])[0]
        scripts.append(s)
    return scripts
