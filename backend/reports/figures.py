"""The figures of a report: SQL aggregates over the per-conversation summary
(backend.reports.models.ReportConversation) of the conversations that started in the period (days in
the company's time zone) and pass the filters. `build` returns a Report of named tables (counts,
rates as fractions, durations in seconds, money as Decimal); `members` lists the conversations
behind one row (drill-down).
Definitions are in docs/reports.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session

from backend.handoff.models import Handoff
from backend.models import RefundRequest
from backend.reports import stats
from backend.reports.days import utc_bounds
from backend.reports.models import ReportConversation as R
from backend.reports.summary import NOT_IDENTIFIED  # noqa: F401  (re-exported for the console)

NO_REASON = "no reason given"
CENT = Decimal("0.01")
DIFFERENCE = "difference (offers' effect)"
TRIGGERS = {
    "customer_request": "asked for a person",
    "fallback": "misunderstanding",
    "verification_locked": "lockout",
}
STEP_COLUMNS = {
    "started": true(),
    "identified": R.identified,
    "service chosen": R.service_chosen,
    "reason given": R.reason_given,
    "offer made": R.offer_made,
    "offer accepted": R.offer_accepted,
    "offer declined": R.offer_declined,
    "confirmed": R.confirmed,
    "filed": R.filed,
}
SERVICE_ROWS = (
    "contained without a person",
    "misunderstanding rate",
    "wait until a person joined, median (s)",
    "wait until a person joined, 90th percentile (s)",
    "handoffs no person joined",
    "time to cancel, median (s)",
    "time to cancel, 90th percentile (s)",
)


def trigger_of(reason: str) -> str:
    """Handoff trigger shown in reports: asked, misunderstanding, lockout or a policy rule."""
    if reason.startswith("policy:"):
        return "policy rule (" + reason.split(":", 1)[1] + ")"
    return TRIGGERS.get(reason, reason)


@dataclass
class Filters:
    channel: Optional[str] = None
    tier: Optional[str] = None
    reason: Optional[str] = None  # a reason code, or "none" for conversations without one


@dataclass
class Table:
    id: str
    title: str
    columns: List[str]
    rows: List[List[Any]] = field(default_factory=list)
    keys: List[Optional[str]] = field(default_factory=list)  # drill-down key per row (None: no drill-down)

    def add(self, cells: Sequence[Any], key: Optional[str] = "") -> None:
        self.rows.append(list(cells))
        self.keys.append(str(cells[0]) if key == "" else key)

    def as_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "title": self.title, "columns": self.columns, "rows": self.rows}


@dataclass
class Report:
    since: date
    until: date
    zone: str  # the time zone of the period's days (the company's)
    filters: Filters
    tables: Dict[str, Table]

    def as_dict(self) -> Dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "timezone": self.zone,
            "filters": {k: v for k, v in vars(self.filters).items() if v},
            "tables": [t.as_dict() for t in self.tables.values()],
        }


def _r(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 4)


def _n(value) -> int:
    return int(value or 0)


def _count(condition) -> Any:
    return func.sum(case((condition, 1), else_=0))


def scope(since: date, until: date, zone: str, filters: Filters) -> List[Any]:
    """Conditions: started in the period (`until` inclusive; days in the time zone `zone`) and
    passing the filters."""
    start, end = utc_bounds(since, until, zone)
    where = [R.started_at >= start, R.started_at < end]
    if filters.channel:
        where.append(R.channel == filters.channel)
    if filters.tier:
        where.append(R.tier == filters.tier)
    if filters.reason:
        where.append(R.reason.is_(None) if filters.reason == "none" else R.reason == filters.reason)
    return where


# --------------------------------------------------------------------------- tables
# Few queries, each one pass over the period's summary rows; the tables are put together in Python
# from their (small) grouped results.


def _totals(session: Session, where) -> Dict[str, int]:
    """One row of counts over the period's conversations."""
    counts = {f"step:{name}": _count(column) for name, column in STEP_COLUMNS.items()}
    counts.update(
        {
            "revoked": _count(and_(R.filed, R.filed_revoked)),
            "refused": _count(and_(R.confirmed, ~R.filed)),
            "offered_stayed": _count(and_(R.offer_made, R.offer_stayed)),
            "holdout": _count(R.offer_status == "holdout"),
            "holdout_stayed": _count(and_(R.offer_status == "holdout", R.offer_stayed)),
            "contained": _count(~R.handoff),
            "misunderstood": _count(R.misunderstood),
        }
    )
    ended = and_(~R.offer_accepted, ~R.filed)  # neither saved nor filed
    for name in STEP_COLUMNS:
        here = and_(ended, R.furthest_step == name)
        counts[f"asked:{name}"] = _count(and_(here, R.handoff))
        counts[f"stopped:{name}"] = _count(and_(here, ~R.handoff, R.stopped))
        counts[f"left:{name}"] = _count(and_(here, ~R.handoff, ~R.stopped))
    row = session.execute(
        select(*[c.label(f"c{i}") for i, c in enumerate(counts.values())]).where(*where)
    ).one()
    return {k: _n(v) for k, v in zip(counts, row, strict=False)}


def funnel(totals: Dict[str, int]) -> Table:
    """Conversations reaching each step; those whose furthest step it was (not saved, not filed) and
    where they went: asked for a person (a handoff was queued), else stopped (the assistant recorded
    that the customer stopped the cancellation), else left (nothing more recorded: went quiet or
    closed the chat)."""
    table = Table(
        "funnel",
        "Funnel of cancellation conversations",
        [
            "step",
            "conversations",
            "share of started",
            "ended here",
            "left",
            "asked for a person",
            "stopped",
        ],
    )
    total = totals["step:started"]
    for name in STEP_COLUMNS:
        n = totals[f"step:{name}"]
        left, asked, stopped = totals[f"left:{name}"], totals[f"asked:{name}"], totals[f"stopped:{name}"]
        table.add([name, n, _r(stats.rate(n, total)), left + asked + stopped, left, asked, stopped])
    return table


def _ranked(counts: Dict[str, int]) -> List[tuple]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def cancellation_tables(session: Session, where, totals: Dict[str, int]) -> List[Table]:
    summary = Table("cancellations", "Cancellations", ["figure", "count"])
    summary.add(["filed", totals["step:filed"]])
    summary.add(["revoked since", totals["revoked"]])
    summary.add(["confirmed but refused", totals["refused"]])
    by: Dict[str, Dict[str, int]] = {name: defaultdict(int) for name in ("reason", "tier", "channel", "end")}
    weeks: Dict[date, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for reason, tier, channel, end, week, n in session.execute(
        select(R.filed_reason, R.tier, R.filed_channel, R.filed_end_kind, R.filed_week, func.count())
        .where(*where, R.filed)
        .group_by(R.filed_reason, R.tier, R.filed_channel, R.filed_end_kind, R.filed_week)
    ):
        reason = reason or NO_REASON
        for name, value in (("reason", reason), ("tier", tier), ("channel", channel), ("end", end)):
            by[name][value] += n
        weeks[week][reason] += n
    tables = [summary]
    for table_id, title, name, header in (
        ("by_reason", "Cancellations by reason", "reason", "reason"),
        ("by_tier", "Cancellations by tier", "tier", "tier"),
        ("by_channel", "Cancellations by channel", "channel", "channel"),
        ("by_end_option", "Cancellations by end option", "end", "end option"),
    ):
        table = Table(table_id, title, [header, "cancellations"])
        for value, n in _ranked(by[name]):
            table.add([value, n])
        tables.append(table)
    refunds = Table("refunds", "Refund requests by route", ["route", "requests"])
    routes = dict(
        session.execute(
            select(RefundRequest.status, func.count())
            .where(*where, RefundRequest.conversation_key == R.conversation_key)
            .group_by(RefundRequest.status)
        ).all()
    )
    for status, n in _ranked(routes):
        refunds.add([status, n])
    tables.append(refunds)
    reasons = sorted({r for counts in weeks.values() for r in counts})
    over_time = Table("reasons_over_time", "Cancellations per week and reason", ["week"] + reasons)
    for week in sorted(weeks):
        over_time.add([week.isoformat()] + [weeks[week].get(r, 0) for r in reasons])
    tables.append(over_time)
    return tables


def offer_tables(session: Session, where) -> List[Table]:
    offers: Dict[str, List[int]] = defaultdict(
        lambda: [0, 0, 0, 0]
    )  # made, accepted, declined, later cancelled
    cells: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0])  # (reason, tier) -> made, accepted
    # month -> saves, later cancelled, revenue kept that month, over the year
    months: Dict[str, List[Any]] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    for title, reason, tier, month, accepted, declined, stayed, n, first, year in session.execute(
        select(
            R.offer_title,
            R.offer_reason,
            R.tier,
            R.save_month,
            R.offer_accepted,
            R.offer_declined,
            R.offer_stayed,
            func.count(),
            func.sum(R.revenue_month),
            func.sum(R.revenue_year),
        )
        .where(*where, R.offer_made)
        .group_by(
            R.offer_title,
            R.offer_reason,
            R.tier,
            R.save_month,
            R.offer_accepted,
            R.offer_declined,
            R.offer_stayed,
        )
    ):
        later = n if accepted and not stayed else 0
        o = offers[title]
        o[0] += n
        o[1] += n if accepted else 0
        o[2] += n if declined else 0
        o[3] += later
        cell = cells[(reason or NO_REASON, tier)]
        cell[0] += n
        cell[1] += n if accepted else 0
        if accepted:
            m = months[month]
            m[0] += n
            m[1] += later
            m[2] += Decimal(first or 0)
            m[3] += Decimal(year or 0)
    by_offer = Table(
        "offers",
        "Offers and save rate per offer",
        ["offer", "made", "accepted", "declined", "no answer", "save rate", "saves later cancelled"],
    )
    for title in sorted(offers):
        made, accepted, declined, later = offers[title]
        by_offer.add(
            [
                title,
                made,
                accepted,
                declined,
                made - accepted - declined,
                _r(stats.rate(accepted, made)),
                later,
            ]
        )
    by_reason_tier = Table(
        "save_rate_reason_tier",
        "Save rate per reason and tier",
        ["reason", "tier", "made", "accepted", "save rate"],
    )
    for (reason, tier), (made, accepted) in sorted(cells.items()):
        by_reason_tier.add(
            [reason, tier, made, accepted, _r(stats.rate(accepted, made))], key=f"{reason}|{tier}"
        )
    revenue = Table(
        "revenue_kept",
        "Revenue kept by saves, per month of the save",
        ["month", "saves", "saves later cancelled", "monthly revenue kept", "revenue kept over 12 months"],
    )
    for month in sorted(months):
        saves, later, first, year = months[month]
        revenue.add([month, saves, later, first.quantize(CENT), year.quantize(CENT)])
    return [by_offer, by_reason_tier, revenue]


def holdout(totals: Dict[str, int]) -> Table:
    """Customers offered something vs customers held out (no offer shown): the offers' save rate
    (accepted / offered), and who stayed, i.e. has no standing cancellation of that service filed at
    or after the offer point, with the stay rate's 95 % interval (low, high)."""
    table = Table(
        "holdout",
        "Offers against the holdout (95% intervals)",
        ["group", "customers", "accepted", "save rate", "stayed", "stay rate", "low", "high"],
    )
    groups = {
        "offered": (totals["step:offer made"], totals["step:offer accepted"], totals["offered_stayed"]),
        "holdout": (totals["holdout"], None, totals["holdout_stayed"]),
    }
    for name, (n, accepted, stayed) in groups.items():
        ci = stats.wilson(stayed, n)
        table.add(
            [
                name,
                n,
                accepted,
                None if accepted is None else _r(stats.rate(accepted, n)),
                stayed,
                _r(stats.rate(stayed, n)),
                _r(ci[0]) if ci else None,
                _r(ci[1]) if ci else None,
            ]
        )
    diff = stats.newcombe_difference(
        groups["offered"][2], groups["offered"][0], groups["holdout"][2], groups["holdout"][0]
    )
    table.add(
        [DIFFERENCE, None, None, None, None] + ([_r(v) for v in diff] if diff else [None] * 3), key=None
    )
    return table


def service_tables(session: Session, where, totals: Dict[str, int]) -> List[Table]:
    total, contained, misunderstood = totals["step:started"], totals["contained"], totals["misunderstood"]
    waits, waiting, triggers = [], set(), defaultdict(set)
    for cid, reason, created, assigned in session.execute(
        select(Handoff.conversation_key, Handoff.reason, Handoff.created_at, Handoff.assigned_at).where(
            *where, Handoff.conversation_key == R.conversation_key
        )
    ):
        triggers[trigger_of(reason)].add(cid)
        if assigned:
            waits.append((assigned - created).total_seconds())
        else:
            waiting.add(cid)
    to_cancel = list(session.execute(select(R.time_to_cancel_s).where(*where, R.filed)).scalars())
    summary = Table("service", "Service", ["figure", "value", "conversations"])
    values = [
        (_r(stats.rate(contained, total)), contained),
        (_r(stats.rate(misunderstood, total)), misunderstood),
        (stats.median(waits), len(waits)),
        (stats.percentile(waits, 90), len(waits)),
        (len(waiting), len(waiting)),
        (stats.median(to_cancel), len(to_cancel)),
        (stats.percentile(to_cancel, 90), len(to_cancel)),
    ]
    for label, (value, n) in zip(SERVICE_ROWS, values, strict=False):
        summary.add([label, value, n])
    by_trigger = Table("handoffs", "Handoff rate by trigger", ["trigger", "conversations", "rate"])
    for label, n in _ranked({label: len(ids) for label, ids in triggers.items()}):
        by_trigger.add([label, n, _r(stats.rate(n, total))])
    return [summary, by_trigger]


def build(session: Session, since: date, until: date, zone: str, filters: Optional[Filters] = None) -> Report:
    """Every figure of the report for the conversations that started in the period (days in the
    time zone `zone`) and pass the filters."""
    filters = filters or Filters()
    where = scope(since, until, zone, filters)
    totals = _totals(session, where)
    tables = [
        funnel(totals),
        *cancellation_tables(session, where, totals),
        *offer_tables(session, where),
        holdout(totals),
        *service_tables(session, where, totals),
    ]
    return Report(since, until, zone, filters, {t.id: t for t in tables})


# --------------------------------------------------------------------------- drill-down


def _row_condition(session: Session, table: str, key: str):
    """The condition selecting the conversations behind row `key` of `table`; None if unknown."""

    def is_value(column, value):
        return column.is_(None) if value is None else column == value

    reason = None if key == NO_REASON else key
    if table == "funnel":
        return STEP_COLUMNS.get(key)
    if table == "cancellations":
        return {
            "filed": R.filed,
            "revoked since": and_(R.filed, R.filed_revoked),
            "confirmed but refused": and_(R.confirmed, ~R.filed),
        }.get(key)
    simple = {
        "by_reason": (R.filed_reason, reason),
        "by_tier": (R.tier, key),
        "by_channel": (R.filed_channel, key),
        "by_end_option": (R.filed_end_kind, key),
        "offers": (R.offer_title, key),
        "revenue_kept": (R.save_month, key),
    }
    if table in simple:
        column, value = simple[table]
        base = R.offer_made if table == "offers" else R.offer_accepted if table == "revenue_kept" else R.filed
        return and_(base, is_value(column, value))
    if table == "reasons_over_time":
        try:
            return and_(R.filed, R.filed_week == date.fromisoformat(key))
        except ValueError:
            return None
    if table == "save_rate_reason_tier" and "|" in key:
        reason, tier = key.split("|", 1)
        return and_(
            R.offer_made, is_value(R.offer_reason, None if reason == NO_REASON else reason), R.tier == tier
        )
    if table == "holdout":
        return {"offered": R.offer_made, "holdout": R.offer_status == "holdout"}.get(key)
    if table == "refunds":
        return R.conversation_key.in_(
            select(RefundRequest.conversation_key).where(RefundRequest.status == key)
        )
    if table == "handoffs":
        reasons = [
            r for r in session.execute(select(Handoff.reason).distinct()).scalars() if trigger_of(r) == key
        ]
        return R.conversation_key.in_(select(Handoff.conversation_key).where(Handoff.reason.in_(reasons)))
    if table == "service":
        handed = select(Handoff.conversation_key)
        return {
            SERVICE_ROWS[0]: ~R.handoff,
            SERVICE_ROWS[1]: R.misunderstood,
            SERVICE_ROWS[2]: R.conversation_key.in_(handed.where(Handoff.assigned_at.is_not(None))),
            SERVICE_ROWS[3]: R.conversation_key.in_(handed.where(Handoff.assigned_at.is_not(None))),
            SERVICE_ROWS[4]: R.conversation_key.in_(handed.where(Handoff.assigned_at.is_(None))),
            SERVICE_ROWS[5]: R.filed,
            SERVICE_ROWS[6]: R.filed,
        }.get(key)
    return None


def members(
    session: Session,
    since: date,
    until: date,
    zone: str,
    filters: Filters,
    table: str,
    key: str,
    limit: int = 500,
) -> Optional[List[R]]:
    """Summary rows of the conversations behind one row of a table (oldest first, at most `limit`);
    None for an unknown table or row."""
    condition = _row_condition(session, table, key)
    if condition is None:
        return None
    return list(
        session.execute(
            select(R)
            .where(*scope(since, until, zone, filters), condition)
            .order_by(R.started_at, R.conversation_key)
            .limit(limit)
        ).scalars()
    )
