"""The reports' days are the company's (the COMPANY_TIMEZONE setting, the zone of the business day),
while the database stores naive UTC moments (backend.models.utcnow): the conversions between the
two, for the summary's weeks and months, the period's bounds and the times the console shows."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta, timezone
from typing import Tuple


def local_time(at: datetime, zone: str) -> datetime:
    """The stored (naive UTC) moment `at` in the time zone `zone` (aware)."""
    return at.replace(tzinfo=timezone.utc).astimezone(zoneinfo.ZoneInfo(zone))


def local_date(at: datetime, zone: str) -> date:
    """The date in the time zone `zone` at the stored (naive UTC) moment `at`."""
    return local_time(at, zone).date()


def utc_bounds(since: date, until: date, zone: str) -> Tuple[datetime, datetime]:
    """The stored (naive UTC) moments of the start of day `since` and of the end of day `until`
    (exclusive) in the time zone `zone`."""

    def midnight(day: date) -> datetime:
        local = datetime.combine(day, time.min, zoneinfo.ZoneInfo(zone))
        return local.astimezone(timezone.utc).replace(tzinfo=None)

    return midnight(since), midnight(until + timedelta(days=1))
