"""Retention and service reports (docs/reports.md): `report(session, since, until, filters)`
reads what the backend recorded and returns the figures; bot.reports.render prints them."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy.orm import Session

from bot.reports.facts import Period, load
from bot.reports.figures import Filters, Report, build


def report(session: Session, since: date, until: date, filters: Optional[Filters] = None) -> Report:
    """All figures for conversations that started from `since` to `until` (inclusive)."""
    return build(load(session, Period(since, until)), since, until, filters)


__all__ = ["Filters", "Report", "report"]
