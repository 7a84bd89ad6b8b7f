"""Runs one scripted conversation against the running stack and judges it.

A conversation (YAML, see ``conversations_*.yml``) is a list of customer turns plus what must be
true at the end. Two verdicts per conversation, as in issue 10:

- **outcome**: the backend holds exactly what the customer asked for (filed cancellations with
  service, reason, end kind and end date; accepted offers; refunds; revoked requests; tracking);
- **smooth**: in addition, no turn was misunderstood, refused, asked again or answered wrongly
  (markers below, no identical question twice in a row, the per-turn ``expect``/``forbid``).
"""

from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
import yaml
from dateutil.relativedelta import relativedelta

from actions.settings import company_today
from devstack.conversation import Customer
from tests.searchable import searchable
from tests.talk.accounts import identity
from tests.text_rules import text_problems

# What the assistant says when it did not understand, refused an answer or gave up.
TROUBLE = [
    "didn't understand",
    "didn't get that",
    "couldn't read",
    "couldn't match",
    "doesn't look like",
    "can't reach",
    "that's a long message",
    "not something i can help",
    "couldn't tell what you'd like",
    "please type just the digits",
    "nothing has been changed",
    "sorry, i couldn't",
    "haven't cancelled anything",
]


def expected_date(expr: str, today: date) -> date:
    """The oracle for end dates named in the scripts (independent of the assistant's parser)."""
    m = re.fullmatch(r"(.+)\+(\d+)", expr)  # a date N days after another ("a week from friday")
    if m:
        return expected_date(m.group(1), today) + timedelta(days=int(m.group(2)))
    next_month = today + relativedelta(months=1)
    last = lambda d: d.replace(day=calendar.monthrange(d.year, d.month)[1])  # noqa: E731
    if expr == "last_day_next_month":
        return last(next_month)
    if expr == "last_day_this_month":
        return last(today)
    m = re.fullmatch(r"day(\d+)_next_month", expr)
    if m:
        return next_month.replace(day=int(m.group(1)))
    m = re.fullmatch(r"day(\d+)_next", expr)  # "on the 20th": the next 20th, today or later
    if m:
        day = int(m.group(1))
        for ahead in range(13):  # the first month from this one that has that day, not yet past
            month = today.replace(day=1) + relativedelta(months=ahead)
            if day <= calendar.monthrange(month.year, month.month)[1] and month.replace(day=day) >= today:
                return month.replace(day=day)
        raise ValueError(f"no day {day} ahead")
    weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    m = re.fullmatch(r"(next|this)_(mon|tue|wed|thu|fri|sat|sun)", expr)
    if m:  # next_: strictly after today; this_: the coming one, today included
        ahead = (weekdays.index(m.group(2)) - today.weekday()) % 7
        return today + timedelta(days=ahead or (7 if m.group(1) == "next" else 0))
    m = re.fullmatch(r"first_(mon|tue|wed|thu|fri|sat|sun)_next_month", expr)
    if m:
        first = next_month.replace(day=1)
        return first + timedelta(days=(weekdays.index(m.group(1)) - first.weekday()) % 7)
    if expr == "last_day_this_year":
        return date(today.year, 12, 31)
    if expr == "latest":  # the latest end the backend allows (backend/policy.yml max_future_days)
        return today + timedelta(days=_max_future_days())
    m = re.fullmatch(r"in_(\d+)_days", expr)
    if m:
        return today + timedelta(days=int(m.group(1)))
    m = re.fullmatch(r"in_(\d+)_months", expr)
    if m:
        return today + relativedelta(months=int(m.group(1)))
    m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", expr)  # month-day, the next one from today
    if m:
        candidate = date(today.year, int(m.group(1)), int(m.group(2)))
        return candidate if candidate >= today else candidate.replace(year=today.year + 1)
    raise ValueError(f"unknown date expression {expr!r}")


def _max_future_days() -> int:
    policy = Path(__file__).resolve().parents[2] / "backend" / "policy.yml"
    return int(yaml.safe_load(policy.read_text())["max_future_days"])


@dataclass
class Verdict:
    outcome_ok: bool
    smooth_ok: bool
    problems: List[str] = field(default_factory=list)
    transcript: List[str] = field(default_factory=list)
    sender: str = ""


def fill(text: str, n: int, confirmation: str = "") -> str:
    """The script's placeholders: the customer's details and ``{confirmation}``, the last
    confirmation number the assistant gave in this conversation."""
    return text.format(**identity(n), confirmation=confirmation)


def run_conversation(stack: Any, conv: Dict[str, Any]) -> Verdict:
    """Play ``conv`` against ``stack``; return both verdicts with the reasons for a failure."""
    n = conv["n"]
    customer = Customer(stack.say, sender=f"talk-{conv['id']}-{uuid.uuid4().hex[:8]}")
    smooth: List[str] = []
    previous_question: Optional[str] = None
    confirmation = ""
    allowed = [a.lower() for a in conv.get("allow", [])]
    for turn in conv["turns"]:
        if isinstance(turn, str):
            turn = {"say": turn}
        if "click" in turn:
            try:
                reply = customer.click(turn["click"])
            except AssertionError as exc:
                smooth.append(f"no button {turn['click']!r}")
                return Verdict(False, False, smooth + [str(exc)[:200]], customer.transcript)
        else:
            reply = customer.say(fill(turn["say"], n, confirmation))
        low = reply.lower()
        for marker in TROUBLE:
            if marker in low and not any(a in low for a in allowed):
                smooth.append(f"after {turn.get('say', turn.get('click'))!r}: says {marker!r}")
        for problem in text_problems(reply):
            smooth.append(f"text defect ({problem}) in reply to {turn.get('say')!r}")
        for want in _as_list(turn.get("expect")):
            if fill(want, n, confirmation).lower() not in low:
                smooth.append(f"after {turn.get('say')!r}: expected {want!r}")
        for unwanted in _as_list(turn.get("forbid")) + _as_list(conv.get("never")):
            if fill(unwanted, n, confirmation).lower() in low:
                smooth.append(f"after {turn.get('say')!r}: must not say {unwanted!r}")
        if "confirmation number:" in low:  # a filing, not the example in a question
            confirmation = customer.confirmation_number() or confirmation
        question = customer.last[-1].get("text") if customer.last else None
        if question and question == previous_question and not turn.get("repeat_ok"):
            smooth.append(f"same message twice in a row: {question[:80]!r}")
        previous_question = question
    outcome = check_outcome(stack, conv) + secrets_in_tracker(stack, customer.sender, n)
    return Verdict(
        not outcome, not outcome and not smooth, outcome + smooth, customer.transcript, customer.sender
    )


def secrets_in_tracker(stack: Any, sender: str, n: int) -> List[str]:
    """The customer's identifiers or ZIP found in the stored conversation (must be none)."""
    stored = searchable(stack.tracker(sender))
    who = identity(n)
    written = (
        "email",
        "account",
        "phone_plain",
        "phone_dashes",
        "phone_dots",
        "phone_spaces",
        "account_spaced",
    )
    found = [name for name in written if who[name].lower() in stored.lower()]
    if re.search(rf"(?<!\d){who['zip']}(?!\d)", stored):
        found.append("zip")
    return [f"secret in the stored tracker: {name}" for name in found]


def _as_list(value: Any) -> List[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def check_outcome(stack: Any, conv: Dict[str, Any]) -> List[str]:
    """Differences between the backend's rows for the conversation's account and ``expect``."""
    expect = conv.get("expect") or {}
    account = identity(conv["n"])["account"]
    engine = sa.create_engine(stack.database_url, future=True)
    problems: List[str] = []
    with engine.connect() as conn:
        # the assistant reads dates relative to today in the company's time zone, not UTC's
        today = company_today()
        requests = conn.execute(
            sa.text(
                "select s.name, r.reason, r.end_kind, r.end_date, r.status from cancellation_requests r"
                " join services s on s.id = r.service_id join accounts a on a.id = r.account_id"
                " where a.account_number = :a order by r.id"
            ),
            {"a": account},
        ).all()
        offers = (
            conn.execute(
                sa.text(
                    "select o.status from retention_offers o join accounts a on a.id = o.account_id"
                    " where a.account_number = :a"
                ),
                {"a": account},
            )
            .scalars()
            .all()
        )
        refunds = (
            conn.execute(
                sa.text(
                    "select f.amount from refund_requests f join accounts a on a.id = f.account_id"
                    " where a.account_number = :a"
                ),
                {"a": account},
            )
            .scalars()
            .all()
        )
        tracking = (
            conn.execute(
                sa.text(
                    "select e.tracking_number from equipment e join accounts a on a.id = e.account_id"
                    " where a.account_number = :a and e.tracking_number is not null"
                ),
                {"a": account},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    wanted = expect.get("filed", [])
    if len(requests) != len(wanted):
        problems.append(
            f"{len(requests)} cancellation request(s) filed, expected {len(wanted)}: "
            f"{[tuple(map(str, r)) for r in requests]}"
        )
    for row, want in zip(requests, wanted, strict=False):
        name, reason, kind, end_date, status = row
        if want.get("service") and want["service"].lower() != str(name).lower():
            problems.append(f"filed for {name}, expected {want['service']}")
        if "reason" in want and want["reason"] != reason:
            problems.append(f"reason {reason!r}, expected {want['reason']!r}")
        if want.get("when") and want["when"] != kind:
            problems.append(f"end kind {kind}, expected {want['when']}")
        if want.get("date"):
            wanted_date = expected_date(want["date"], today)
            if str(end_date)[:10] != wanted_date.isoformat():
                problems.append(f"end date {end_date}, expected {wanted_date} ({want['date']})")
        if want.get("status") and want["status"] != status:
            problems.append(f"status {status}, expected {want['status']}")
    if "offer_accepted" in expect and ("accepted" in offers) != bool(expect["offer_accepted"]):
        problems.append(f"offers {offers}, expected accepted={expect['offer_accepted']}")
    if "refund" in expect:
        amounts = [str(a) for a in refunds]
        if expect["refund"] is None and amounts:
            problems.append(f"refund filed: {amounts}")
        if expect["refund"] is not None and not any(float(a) == float(expect["refund"]) for a in amounts):
            problems.append(f"refunds {amounts}, expected {expect['refund']}")
    if expect.get("tracking") and not tracking:
        problems.append("no tracking number recorded")
    return problems
