"""The figures of a report, computed from the recorded facts (bot.reports.facts) of one period.

`build(conversations, filters)` returns a Report: named tables of plain values (counts, rates as
fractions, durations in seconds, money as Decimal) and, per row, the conversations behind it for
the console's drill-down. Definitions are in docs/reports.md.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from bot.reports import stats
from bot.reports.facts import Conversation, Offer, monthly_price

NO_REASON = "no reason given"
NOT_IDENTIFIED = "not identified"
CENT = Decimal("0.01")
FUNNEL_STEPS = ("started", "identified", "service chosen", "reason given", "offer made", "offer accepted",
                "offer declined", "confirmed", "filed")
TRIGGERS = {"customer_request": "asked for a person", "fallback": "misunderstanding",
            "verification_locked": "lockout"}


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

    def keep(self, c: Conversation) -> bool:
        if self.channel and c.channel != self.channel:
            return False
        if self.tier and (c.tier or NOT_IDENTIFIED) != self.tier:
            return False
        if self.reason and (c.reason or "none") != self.reason:
            return False
        return True


@dataclass
class Table:
    id: str
    title: str
    columns: List[str]
    rows: List[List[Any]] = field(default_factory=list)
    members: Dict[str, List[str]] = field(default_factory=dict)  # row key -> conversation ids
    keys: List[str] = field(default_factory=list)

    def add(self, cells: Sequence[Any], members: Iterable[str] = (), key: Optional[str] = None) -> None:
        key = key if key is not None else str(cells[0])
        self.rows.append(list(cells))
        self.keys.append(key)
        self.members[key] = sorted(set(members))

    def as_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "title": self.title, "columns": self.columns, "rows": self.rows}


@dataclass
class Report:
    since: date
    until: date
    filters: Filters
    tables: Dict[str, Table]

    def as_dict(self) -> Dict[str, Any]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "filters": {k: v for k, v in vars(self.filters).items() if v},
                "tables": [t.as_dict() for t in self.tables.values()]}


def _r(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 4)


def _counted(table: Table, items: Iterable[tuple], order: Optional[Callable] = None) -> Table:
    """Rows `label, count` from (label, conversation id) pairs, largest first then by label."""
    groups: Dict[str, List[str]] = defaultdict(list)
    for label, cid in items:
        groups[label].append(cid)
    for label in sorted(groups, key=order or (lambda k: (-len(groups[k]), k))):
        table.add([label, len(groups[label])], groups[label])
    return table


# --------------------------------------------------------------------------- funnel


def _steps(c: Conversation) -> Dict[str, bool]:
    offer = c.offer
    return {
        "started": True,
        "identified": c.identified or c.service_chosen,
        "service chosen": c.service_chosen,
        "reason given": c.reason is not None,
        "offer made": offer is not None and offer.status != "holdout",
        "offer accepted": offer is not None and offer.status == "accepted",
        "offer declined": offer is not None and offer.status == "declined",
        "confirmed": c.confirmed,
        "filed": c.filed is not None,
    }


def funnel(conversations: List[Conversation]) -> Table:
    """Conversations reaching each step; those whose furthest step it was (not saved, not filed) and
    where they went: asked for a person (a handoff was queued) or stopped (nothing more recorded)."""
    table = Table("funnel", "Funnel of cancellation conversations",
                  ["step", "conversations", "share of started", "stopped here", "asked for a person",
                   "stopped without a person"])
    reached: Dict[str, List[str]] = defaultdict(list)
    stopped: Dict[str, List[Conversation]] = defaultdict(list)
    for c in conversations:
        steps = _steps(c)
        furthest = "started"
        for name in FUNNEL_STEPS:
            if steps[name]:
                reached[name].append(c.id)
                furthest = name
        if not (steps["offer accepted"] or steps["filed"]):
            stopped[furthest].append(c)
    total = len(conversations)
    for name in FUNNEL_STEPS:
        here = stopped[name]
        asked = sum(1 for c in here if c.handoffs)
        table.add([name, len(reached[name]), _r(stats.rate(len(reached[name]), total)), len(here), asked,
                   len(here) - asked], reached[name])
    return table


# --------------------------------------------------------------------------- cancellations


def cancellation_tables(conversations: List[Conversation]) -> List[Table]:
    filed = [(c, c.filed) for c in conversations if c.filed]
    summary = Table("cancellations", "Cancellations", ["figure", "count"])
    summary.add(["filed", len(filed)], [c.id for c, _ in filed])
    revoked = [c.id for c, r in filed if r.status == "revoked"]
    summary.add(["revoked since", len(revoked)], revoked)
    refused = [c.id for c in conversations if c.confirmed and not c.filed]
    summary.add(["confirmed but refused", len(refused)], refused)
    by_reason = _counted(Table("by_reason", "Cancellations by reason", ["reason", "cancellations"]),
                         ((r.reason or NO_REASON, c.id) for c, r in filed))
    by_tier = _counted(Table("by_tier", "Cancellations by tier", ["tier", "cancellations"]),
                       ((c.tier or NOT_IDENTIFIED, c.id) for c, _ in filed))
    by_channel = _counted(Table("by_channel", "Cancellations by channel", ["channel", "cancellations"]),
                          ((r.channel, c.id) for c, r in filed))
    by_end = _counted(Table("by_end_option", "Cancellations by end option", ["end option", "cancellations"]),
                      ((r.end_kind, c.id) for c, r in filed))
    refunds = Table("refunds", "Refund requests by route", ["route", "requests"])
    routes = Counter(route for c in conversations for route in c.refunds)
    for route in sorted(routes, key=lambda k: (-routes[k], k)):
        refunds.add([route, routes[route]], [c.id for c in conversations if route in c.refunds])
    return [summary, by_reason, by_tier, by_channel, by_end, refunds]


def reasons_over_time(conversations: List[Conversation]) -> Table:
    """Cancellations per week (Monday) and reason."""
    weeks: Dict[date, Counter] = defaultdict(Counter)
    members: Dict[str, List[str]] = defaultdict(list)
    reasons = set()
    for c in conversations:
        if c.filed:
            day = c.filed.received_at.date()
            week = day - timedelta(days=day.weekday())
            label = c.filed.reason or NO_REASON
            weeks[week][label] += 1
            reasons.add(label)
            members[week.isoformat()].append(c.id)
    ordered = sorted(reasons)
    table = Table("reasons_over_time", "Cancellations per week and reason", ["week"] + ordered)
    for week in sorted(weeks):
        table.add([week.isoformat()] + [weeks[week][r] for r in ordered], members[week.isoformat()])
    return table


# --------------------------------------------------------------------------- offers


def _saved(o: Offer) -> bool:
    return o.status == "accepted"


def offer_tables(conversations: List[Conversation]) -> List[Table]:
    offered = [(c, c.offer) for c in conversations if c.offer and c.offer.status != "holdout"]
    by_offer = Table("offers", "Offers and save rate per offer",
                     ["offer", "made", "accepted", "declined", "no answer", "save rate", "saves later cancelled"])
    groups: Dict[str, List] = defaultdict(list)
    for c, o in offered:
        groups[o.title].append((c, o))
    for title in sorted(groups):
        items = groups[title]
        accepted = [o for _, o in items if _saved(o)]
        declined = sum(1 for _, o in items if o.status == "declined")
        later = sum(1 for o in accepted if o.later_cancelled_at is not None)
        by_offer.add([title, len(items), len(accepted), declined, len(items) - len(accepted) - declined,
                      _r(stats.rate(len(accepted), len(items))), later], [c.id for c, _ in items])
    by_reason_tier = Table("save_rate_reason_tier", "Save rate per reason and tier",
                           ["reason", "tier", "made", "accepted", "save rate"])
    cells: Dict[tuple, List] = defaultdict(list)
    for c, o in offered:
        cells[(o.reason or NO_REASON, c.tier or NOT_IDENTIFIED)].append((c, o))
    for (reason, tier) in sorted(cells):
        items = cells[(reason, tier)]
        accepted = sum(1 for _, o in items if _saved(o))
        by_reason_tier.add([reason, tier, len(items), accepted, _r(stats.rate(accepted, len(items)))],
                           [c.id for c, _ in items], key=f"{reason}|{tier}")
    return [by_offer, by_reason_tier, revenue_kept(offered)]


def _months_between(start: date, end: date) -> int:
    return max(0, round((end - start).days / (365.25 / 12)))


def monthly_revenue(o: Offer) -> tuple:
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


def revenue_kept(offered: List) -> Table:
    table = Table("revenue_kept", "Revenue kept by saves, per month of the save",
                  ["month", "saves", "saves later cancelled", "monthly revenue kept", "revenue kept over 12 months"])
    months: Dict[str, List] = defaultdict(list)
    for c, o in offered:
        if _saved(o):
            months[(o.decided_at or o.made_at).strftime("%Y-%m")].append((c, o))
    for month in sorted(months):
        items = months[month]
        kept = [(c, o) for c, o in items if not o.later_cancellation_stands]
        first = sum((monthly_revenue(o)[0] for _, o in kept), Decimal(0))
        year = sum((monthly_revenue(o)[1] for _, o in kept), Decimal(0))
        table.add([month, len(items), len(items) - len(kept), first.quantize(CENT), year.quantize(CENT)],
                  [c.id for c, _ in items])
    return table


def holdout(conversations: List[Conversation]) -> Table:
    """Customers offered something vs customers held out (no offer shown): who stayed, i.e. has no
    standing cancellation of that service filed at or after the offer point."""
    table = Table("holdout", "Offers against the holdout (95% intervals)",
                  ["group", "customers", "accepted", "stayed", "stay rate", "low", "high"])
    groups = {"offered": [], "holdout": []}
    for c in conversations:
        if c.offer:
            groups["holdout" if c.offer.status == "holdout" else "offered"].append(c)
    counts = {}
    for name, items in groups.items():
        stayed = [c for c in items if not c.offer.later_cancellation_stands]
        accepted = sum(1 for c in items if _saved(c.offer)) if name == "offered" else None
        counts[name] = (len(stayed), len(items))
        ci = stats.wilson(len(stayed), len(items))
        table.add([name, len(items), accepted, len(stayed), _r(stats.rate(len(stayed), len(items))),
                   _r(ci[0]) if ci else None, _r(ci[1]) if ci else None], [c.id for c in items])
    diff = stats.newcombe_difference(*counts["offered"], *counts["holdout"])
    table.add(["difference (offers' effect)", None, None, None] + ([_r(v) for v in diff] if diff else [None] * 3),
              [], key="difference")
    return table


# --------------------------------------------------------------------------- service


def service_tables(conversations: List[Conversation]) -> List[Table]:
    total = len(conversations)
    summary = Table("service", "Service", ["figure", "value", "conversations"])
    contained = [c.id for c in conversations if not c.handoffs]
    summary.add(["contained without a person", _r(stats.rate(len(contained), total)), len(contained)], contained)
    misunderstood = [c.id for c in conversations if any(h.reason == "fallback" for h in c.handoffs)]
    summary.add(["misunderstanding rate (handed to a person)", _r(stats.rate(len(misunderstood), total)),
                 len(misunderstood)], misunderstood)
    waits = [(c, (h.assigned_at - h.created_at).total_seconds()) for c in conversations for h in c.handoffs
             if h.assigned_at]
    waiting = sorted({c.id for c in conversations for h in c.handoffs if not h.assigned_at})
    values = [w for _, w in waits]
    summary.add(["wait until a person joined, median (s)", stats.median(values), len(values)], [c.id for c, _ in waits])
    summary.add(["wait until a person joined, 90th percentile (s)", stats.percentile(values, 90), len(values)],
                [c.id for c, _ in waits])
    summary.add(["handoffs no person joined", len(waiting), len(waiting)], waiting)
    to_cancel = [(c, (c.filed.received_at - c.started_at).total_seconds()) for c in conversations if c.filed]
    values = [t for _, t in to_cancel]
    summary.add(["time to cancel, median (s)", stats.median(values), len(values)], [c.id for c, _ in to_cancel])
    summary.add(["time to cancel, 90th percentile (s)", stats.percentile(values, 90), len(values)],
                [c.id for c, _ in to_cancel])
    by_trigger = Table("handoffs", "Handoff rate by trigger", ["trigger", "conversations", "rate"])
    groups: Dict[str, set] = defaultdict(set)
    for c in conversations:
        for h in c.handoffs:
            groups[trigger_of(h.reason)].add(c.id)
    for label in sorted(groups, key=lambda k: (-len(groups[k]), k)):
        by_trigger.add([label, len(groups[label]), _r(stats.rate(len(groups[label]), total))], groups[label])
    return [summary, by_trigger]


def build(conversations: Dict[str, Conversation], since: date, until: date,
          filters: Optional[Filters] = None) -> Report:
    """Every figure of the report for the conversations that pass the filters."""
    filters = filters or Filters()
    chosen = sorted((c for c in conversations.values() if filters.keep(c)), key=lambda c: (c.started_at, c.id))
    tables = [funnel(chosen), *cancellation_tables(chosen), reasons_over_time(chosen), *offer_tables(chosen),
              holdout(chosen), *service_tables(chosen)]
    return Report(since, until, filters, {t.id: t for t in tables})
