"""Retention and service reports (docs/reports.md): `report(session, since, until, filters)`
reads what the backend recorded and returns the figures; bot.reports.render prints them."""
from __future__ import annotations

from datetime import date
from typing import Dict, Optional, Tuple

from sqlalchemy.orm import Session

from bot.reports.facts import Conversation, Period, load
from bot.reports.figures import Filters, Report, build


def report(session: Session, since: date, until: date, filters: Optional[Filters] = None) -> Report:
    """All figures for conversations that started from `since` to `until` (inclusive)."""
    return report_with_facts(session, since, until, filters)[0]


def report_with_facts(session: Session, since: date, until: date,
                      filters: Optional[Filters] = None) -> Tuple[Report, Dict[str, Conversation]]:
    """The report and the recorded facts of every conversation of the period (for drill-downs)."""
    facts = load(session, Period(since, until))
    return build(facts, since, until, filters), facts


__all__ = ["Filters", "Report", "report", "report_with_facts"]
