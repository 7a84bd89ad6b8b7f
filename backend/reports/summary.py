"""Keeps the reports' summary (backend.reports.models) up to date: `refresh(session, zone)` recomputes
the row of every conversation that has an audit event since the last refresh (minus a look-back for
transactions that committed late), and of every conversation whose offered service was cancelled
or revoked since. The first refresh builds every row, and so does one in another company time zone
than the rows' (their weeks and months are the company's). Rows come from the recorded facts
(backend.reports.facts); this module holds the per-conversation definitions of the figures.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Set

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import AuditEvent, CancellationRequest, RetentionOffer, utcnow
from backend.reports.days import local_date
from backend.reports.facts import Conversation, Offer, load, monthly_price
from backend.reports.models import ReportConversation, ReportRefresh

LOOK_BACK = timedelta(minutes=10)  # an event's time is set before its transaction commits
NOT_IDENTIFIED = "not identified"
FUNNEL_STEPS = (
    "started",
    "identified",
    "service chosen",
    "reason given",
    "offer made",
    "offer accepted",
    "offer declined",
    "confirmed",
    "filed",
)
CENT = Decimal("0.01")


def _months_between(start: date, end: date) -> int:
    return max(0, round((end - start).days / (365.25 / 12)))


def revenue_kept(o: Offer) -> tuple:
    """(first month, first 12 months) of revenue an accepted offer keeps, from the recorded change
    (discount percent and end, new plan price, pause end) and the service's monthly price (annual
    prices / 12). Without a recorded change the full price counts."""
    price, ch = o.monthly_price, o.changes
    decided = (o.decided_at or o.made_at).date()
    if o.kind == "discount" and ch.get("discount_percent"):
        share = Decimal(100 - int(ch["discount_percent"])) / 100
        months = min(12, _months_between(decided, date.fromisoformat(ch["discount_until"])))
        return price * share, price * share * months + price * (12 - months)
    if o.kind in ("downgrade", "plan_switch") and ch.get("price"):
        new = monthly_price(Decimal(ch["price"]), o.billing_period)
        return new, new * 12
    if o.kind == "pause" and ch.get("paused_until"):
        months = min(12, _months_between(decided, date.fromisoformat(ch["paused_until"])))
        return (Decimal(0) if months else price), price * (12 - months)
    return price, price * 12


def row_of(c: Conversation, zone: str) -> Dict[str, Any]:
    """The summary row of one conversation; its week and month are those of the time zone `zone`
    (the company's)."""
    offer, filed = c.offer, c.filed
    steps = {
        "started": True,
        "identified": c.identified or c.service_chosen,
        "service chosen": c.service_chosen,
        "reason given": c.reason is not None,
        "offer made": offer is not None and offer.status != "holdout",
        "offer accepted": offer is not None and offer.status == "accepted",
        "offer declined": offer is not None and offer.status == "declined",
        "confirmed": c.confirmed,
        "filed": filed is not None,
    }
    furthest = [name for name in FUNNEL_STEPS if steps[name]][-1]
    row: Dict[str, Any] = {
        "conversation_key": c.id,
        "started_at": c.started_at,
        "last_at": c.last_at,
        "channel": c.channel,
        "tier": c.tier or NOT_IDENTIFIED,
        "reason": c.reason,
        "furthest_step": furthest,
        "identified": steps["identified"],
        "service_chosen": steps["service chosen"],
        "reason_given": steps["reason given"],
        "offer_made": steps["offer made"],
        "offer_accepted": steps["offer accepted"],
        "offer_declined": steps["offer declined"],
        "confirmed": c.confirmed,
        "filed": steps["filed"],
        "handoff": bool(c.handoffs),
        # at least one misunderstanding recorded, or handed to a person after one
        "misunderstood": c.misunderstood or any(h.reason == "fallback" for h in c.handoffs),
        "stopped": c.stopped,
        "sealed_conversation_id": c.sealed_id,
        "offer_title": None,
        "offer_status": None,
        "offer_reason": None,
        "offer_stayed": None,
        "save_month": None,
        "revenue_month": None,
        "revenue_year": None,
        "filed_reason": None,
        "filed_end_kind": None,
        "filed_channel": None,
        "filed_revoked": None,
        "filed_week": None,
        "time_to_cancel_s": None,
    }
    if offer is not None:
        stayed = not offer.later_cancellation_stands
        row.update(
            offer_title=offer.title, offer_status=offer.status, offer_reason=offer.reason, offer_stayed=stayed
        )
        if offer.status == "accepted":
            month, year = revenue_kept(offer) if stayed else (Decimal(0), Decimal(0))
            row.update(
                save_month=local_date(offer.decided_at or offer.made_at, zone).strftime("%Y-%m"),
                revenue_month=month.quantize(CENT),
                revenue_year=year.quantize(CENT),
            )
    if filed is not None:
        day = local_date(filed.received_at, zone)
        row.update(
            filed_reason=filed.reason,
            filed_end_kind=filed.end_kind,
            filed_channel=filed.channel,
            filed_revoked=filed.status == "revoked",
            filed_week=day - timedelta(days=day.weekday()),
            time_to_cancel_s=(filed.received_at - c.started_at).total_seconds(),
        )
    return row


def _dirty(session: Session, since: datetime) -> Set[str]:
    ids = set(
        session.execute(
            select(AuditEvent.conversation_key).where(  # no DISTINCT: SQLite then uses ix at
                AuditEvent.at >= since
            )
        ).scalars()
    ) - {None}
    services = set(
        session.execute(
            select(CancellationRequest.service_id).where(CancellationRequest.received_at >= since)
        ).scalars()
    )
    services.update(
        session.execute(
            select(CancellationRequest.service_id).where(CancellationRequest.revoked_at >= since)
        ).scalars()
    )
    services_list = sorted(services)
    for start in range(0, len(services_list), 500):
        ids.update(
            session.execute(
                select(RetentionOffer.conversation_key)
                .distinct()
                .where(RetentionOffer.service_id.in_(services_list[start : start + 500]))
            ).scalars()
        )
    return ids


def _rewrite(session: Session, ids: Iterable[str], zone: str) -> int:
    ids = list(ids)
    facts = load(session, ids)
    for start in range(0, len(ids), 500):
        session.execute(
            delete(ReportConversation).where(
                ReportConversation.conversation_key.in_(ids[start : start + 500])
            )
        )
    rows: List[Dict[str, Any]] = [row_of(c, zone) for c in facts.values()]
    for start in range(0, len(rows), 2000):
        session.execute(insert(ReportConversation), rows[start : start + 2000])
    return len(rows)


def refresh(session: Session, zone: str) -> int:
    """Bring the summary up to date in this transaction, its days in the time zone `zone` (the
    company's); returns the number of rows rewritten."""
    state = session.get(ReportRefresh, 1)
    newest = session.execute(select(func.max(AuditEvent.at))).scalar()
    if newest is None:
        return 0
    # every row: the first time, or when the rows' days are of another zone (NULL: from before 0014)
    rebuild = state is None or state.timezone != zone
    if rebuild:
        ids = set(
            session.execute(
                select(AuditEvent.conversation_key).distinct().where(AuditEvent.conversation_key.is_not(None))
            ).scalars()
        )
    else:
        ids = _dirty(session, state.audit_at - LOOK_BACK)
    written = _rewrite(session, ids, zone) if ids else 0
    if rebuild:
        session.execute(text("ANALYZE report_conversations"))  # fresh statistics for the planner
    if state is None:
        session.add(ReportRefresh(id=1, audit_at=newest, refreshed_at=utcnow(), timezone=zone))
    else:
        state.audit_at, state.refreshed_at = max(newest, state.audit_at), utcnow()
        state.timezone = zone
    return written


def try_refresh(session: Session, zone: str) -> int:
    """Refresh in a savepoint; when a concurrent refresh wrote the same rows first, carry on with theirs."""
    try:
        with session.begin_nested():
            return refresh(session, zone)
    except IntegrityError:
        return 0


def invalidate(session: Session) -> None:
    """Forget the watermark, so the next refresh rebuilds every row (after importing past events)."""
    session.execute(delete(ReportRefresh))
