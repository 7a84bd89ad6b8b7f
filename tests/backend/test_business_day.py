"""The backend's business day is the date in the company's time zone (COMPANY_TIMEZONE), the day
the action server tells the customer, not the UTC date. The clock is set to 02:30 UTC, when New
York (the default zone) is still on the evening before, so these tests fail on a UTC business day
whatever the hour they run at."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

import contract.vocabulary.dates
from backend.models import CancellationRequest, OutboxMessage
from backend.policy import business_today, load_policy
from contract.vocabulary.dates import long_date
from tests.backend.conftest import ROOT, filing, make_account, rows
from tests.backend.conftest import business_today as test_business_day

UTC_DAY = datetime.now(timezone.utc).date()
EVENING = datetime.combine(UTC_DAY, time(2, 30), tzinfo=timezone.utc)  # 21:30 or 22:30 in New York
NEW_YORK_DAY = UTC_DAY - timedelta(days=1)


@pytest.fixture
def new_york_evening(monkeypatch):
    """The clock every "today" is read from, set to the New York evening of `EVENING`."""
    monkeypatch.setattr(contract.vocabulary.dates, "now_utc", lambda: EVENING)


def test_the_business_day_is_the_date_in_the_company_zone(new_york_evening):
    assert business_today(load_policy(ROOT / "backend" / "policy.yml")) == NEW_YORK_DAY
    assert business_today(load_policy(ROOT / "backend" / "policy.yml", "Asia/Tokyo")) == UTC_DAY
    assert test_business_day() == NEW_YORK_DAY


async def test_today_in_new_york_is_a_valid_end_date_and_deadlines_count_from_it(new_york_evening, api, db):
    account = make_account(db, services=2, equipment=1, anniversary="+20d")
    ends_today, ends_tomorrow = account["services"]
    who = await api.verify(account)
    today, tomorrow = NEW_YORK_DAY.isoformat(), (NEW_YORK_DAY + timedelta(days=1)).isoformat()

    status, quoted = await api.get(f"/api/v1/services/{ends_today}/quote?when=date&date={today}", who)
    assert status == 200, quoted
    assert quoted["options"][0]["end_date"] == today
    assert (
        quoted["options"][0]["equipment_return_deadline"] == (NEW_YORK_DAY + timedelta(days=30)).isoformat()
    )
    status, quoted = await api.get(f"/api/v1/services/{ends_today}/quote", who)
    immediate, end_of_period = quoted["options"]
    assert immediate["end_date"] == today
    assert end_of_period["end_date"] == (NEW_YORK_DAY + timedelta(days=20)).isoformat()

    status, filed = await api.post(
        "/api/v1/cancellations",
        filing(ends_today, when="date", date=today),
        who,
        headers={"Idempotency-Key": "a"},
    )
    assert status == 201, filed
    assert (filed["end_date"], filed["status"]) == (today, "received")
    assert filed["return_deadline"] == (NEW_YORK_DAY + timedelta(days=30)).isoformat()
    [receipt] = rows(db, OutboxMessage, recipient=account["email"], kind="receipt")
    assert f"We received your request to cancel Service 0 on {long_date(today)}." in receipt.body
    [stored] = rows(db, CancellationRequest, service_id=ends_today)
    assert stored.end_date == NEW_YORK_DAY

    # ending tomorrow in New York (today in UTC): still revocable today
    status, filed = await api.post(
        "/api/v1/cancellations",
        filing(ends_tomorrow, when="date", date=tomorrow),
        who,
        headers={"Idempotency-Key": "b"},
    )
    assert status == 201, filed
    status, revoked = await api.post(
        f"/api/v1/cancellations/{filed['confirmation_number']}/revoke", None, who
    )
    assert (status, revoked.get("status")) == (200, "revoked"), revoked


async def test_the_day_before_new_york_today_is_refused(new_york_evening, api, db):
    account = make_account(db)
    who = await api.verify(account)
    yesterday = (NEW_YORK_DAY - timedelta(days=1)).isoformat()
    service_id = account["services"][0]
    status, body = await api.get(f"/api/v1/services/{service_id}/quote?when=date&date={yesterday}", who)
    assert (status, body["field"]) == (422, "date")
