"""The reports' days are the company's (COMPANY_TIMEZONE), not UTC days: a filing on Sunday evening
in New York (Monday in UTC) counts in its own week, a save on the last evening of a month in that
month, and a period ends at the company's midnight. The summary's rows are rebuilt when the zone
they were computed in is not the one asked for (another setting, or rows from before 0014)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.hashing import conversation_key, set_identifier_hash_key
from backend.reports import Filters, members, report
from backend.reports.days import local_date, utc_bounds
from backend.reports.history import Script, write
from backend.reports.models import ReportConversation, ReportRefresh
from tests.backend.conftest import IDENTIFIER_HASH_KEY

NEW_YORK = "America/New_York"


def utc(*wall: int) -> datetime:
    """The stored (naive UTC) moment of a wall-clock time in New York."""
    return datetime(*wall, tzinfo=ZoneInfo(NEW_YORK)).astimezone(timezone.utc).replace(tzinfo=None)


def test_local_dates_and_bounds():
    assert local_date(datetime(2026, 12, 7, 2, 0), NEW_YORK) == date(2026, 12, 6)  # Sunday 21:00 EST
    assert utc_bounds(date(2026, 12, 1), date(2026, 12, 7), NEW_YORK) == (
        datetime(2026, 12, 1, 5, 0),
        datetime(2026, 12, 8, 5, 0),
    )
    # across the change to summer time (2026-03-08): the day is 23 hours long
    assert utc_bounds(date(2026, 3, 8), date(2026, 3, 8), NEW_YORK) == (
        datetime(2026, 3, 8, 5, 0),
        datetime(2026, 3, 9, 4, 0),
    )


@pytest.fixture(scope="module")
def recorded(db, policy):
    set_identifier_hash_key(IDENTIFIER_HASH_KEY)
    scripts = [
        # Sunday 2026-12-06 21:00 in New York (Monday 02:00 UTC): filed that Sunday, in the week of Nov 30
        Script("TZ1", utc(2026, 12, 6, 21, 0), customer="tz1", confirmed=True, filed="immediate"),
        # Monday 2026-11-30 21:00 (Tuesday 02:00 UTC): saved by a discount, in November
        Script(
            "TZ2",
            utc(2026, 11, 30, 21, 0),
            customer="tz2",
            offer_requested=True,
            reason="price",
            offer_rule="price-discount-small",
            outcome="accepted",
        ),
    ]
    db.transaction(write, policy, scripts)
    return db


def summary_row(db, name):
    return db.transaction(
        lambda s: s.execute(
            select(ReportConversation.filed_week, ReportConversation.save_month).where(
                ReportConversation.conversation_key == conversation_key(name)
            )
        ).one()
    )


def test_weeks_months_and_periods_are_the_company_days(recorded):
    rep = recorded.transaction(lambda s: report(s, date(2026, 11, 30), date(2026, 12, 6), zone=NEW_YORK))
    assert rep.zone == NEW_YORK and rep.as_dict()["timezone"] == NEW_YORK
    assert rep.tables["funnel"].rows[0][1] == 2  # TZ2 on its first day, TZ1 on its last
    assert rep.tables["reasons_over_time"].rows == [["2026-11-30", 1]]
    assert summary_row(recorded, "TZ1").filed_week == date(2026, 11, 30)
    # TZ2 started on Monday evening, Nov 30, and was saved then: the period and the month of the save
    assert [row[:2] for row in rep.tables["revenue_kept"].rows] == [["2026-11", 1]]
    assert summary_row(recorded, "TZ2").save_month == "2026-11"
    # "Dec 1 – Dec 7" in New York: TZ1 (Sunday Dec 6), not TZ2 (Monday Nov 30, Tuesday in UTC)
    found = recorded.transaction(
        lambda s: members(
            s, date(2026, 12, 1), date(2026, 12, 7), Filters(), "funnel", "started", zone=NEW_YORK
        )
    )
    assert [m.conversation_key for m in found] == [conversation_key("TZ1")]


def test_rows_of_another_zone_are_rebuilt(recorded):
    """Rows computed in another zone (a changed COMPANY_TIMEZONE; NULL: before migration 0014)
    are rebuilt by the next refresh, in the zone asked for."""
    recorded.transaction(lambda s: report(s, date(2026, 12, 7), date(2026, 12, 7), zone="UTC"))
    assert summary_row(recorded, "TZ1") == (date(2026, 12, 7), None)  # Monday 02:00 UTC
    assert summary_row(recorded, "TZ2") == (None, "2026-12")

    def forget_zone(session):
        session.get(ReportRefresh, 1).timezone = None

    recorded.transaction(forget_zone)
    rep = recorded.transaction(lambda s: report(s, date(2026, 11, 30), date(2026, 12, 6), zone=NEW_YORK))
    assert summary_row(recorded, "TZ1") == (date(2026, 11, 30), None)
    assert summary_row(recorded, "TZ2") == (None, "2026-11")
    assert rep.tables["reasons_over_time"].rows == [["2026-11-30", 1]]
    assert recorded.transaction(lambda s: s.get(ReportRefresh, 1).timezone) == NEW_YORK
