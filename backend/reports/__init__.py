"""Retention and service reports (docs/reports.md): `report(session, since, until, filters, zone=...)`
brings the per-conversation summary up to date and returns the figures; backend.reports.render prints
them; `members` lists the conversations behind a figure. `zone` is the company's time zone (the
COMPANY_TIMEZONE setting, `Policy.company_timezone`): the days of the period, weeks and months."""

from __future__ import annotations

from datetime import date
from typing import List, Optional

from sqlalchemy.orm import Session

from backend.reports.figures import Filters, Report, build
from backend.reports.figures import members as _members
from backend.reports.models import ReportConversation
from backend.reports.summary import try_refresh


def report(
    session: Session, since: date, until: date, filters: Optional[Filters] = None, *, zone: str
) -> Report:
    """All figures for conversations that started from `since` to `until` (inclusive), days in the
    time zone `zone`."""
    try_refresh(session, zone)
    return build(session, since, until, zone, filters)


def members(
    session: Session,
    since: date,
    until: date,
    filters: Optional[Filters],
    table: str,
    key: str,
    *,
    zone: str,
) -> Optional[List[ReportConversation]]:
    """The conversations behind row `key` of `table` (None if there is no such row)."""
    try_refresh(session, zone)
    return _members(session, since, until, zone, filters or Filters(), table, key)


__all__ = ["Filters", "Report", "members", "report"]
