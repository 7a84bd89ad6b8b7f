"""Business hours from the policy file: on duty, off duty, next opening; the handoff section."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml

from backend.handoff.service import opening_text
from backend.policy import PolicyError, parse_policy

NY = ZoneInfo("America/New_York")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


def test_open_on_weekdays_within_hours(policy):
    hours = policy.business_hours
    assert hours.is_open(at(2026, 11, 23, 9, 0))  # Monday 09:00
    assert hours.is_open(at(2026, 11, 27, 16, 59))  # Friday 16:59
    assert not hours.is_open(at(2026, 11, 23, 8, 59))
    assert not hours.is_open(at(2026, 11, 23, 17, 0))  # end is exclusive
    assert not hours.is_open(at(2026, 11, 28, 12, 0))  # Saturday
    # any time zone in, the staff time zone decides: 14:30 UTC is 09:30 in New York (EST)
    assert hours.is_open(datetime(2026, 11, 23, 14, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    "now, expected",
    [
        (at(2026, 11, 23, 10, 0), at(2026, 11, 23, 10, 0)),  # open now: now
        (at(2026, 11, 23, 7, 0), at(2026, 11, 23, 9, 0)),  # early morning: today 09:00
        (at(2026, 11, 23, 18, 0), at(2026, 11, 24, 9, 0)),  # evening: tomorrow 09:00
        (at(2026, 11, 27, 17, 30), at(2026, 11, 30, 9, 0)),  # Friday evening: Monday
        (at(2026, 11, 28, 12, 0), at(2026, 11, 30, 9, 0)),  # Saturday: Monday
    ],
)
def test_next_opening(policy, now, expected):
    assert policy.business_hours.next_opening(now) == expected


def test_next_opening_across_daylight_saving_change(policy):
    # DST ends on Sunday 2026-11-01: Monday opens at 09:00 EST = 14:00 UTC
    opening = policy.business_hours.next_opening(at(2026, 10, 31, 12, 0))
    assert opening == at(2026, 11, 2, 9, 0) and opening.utcoffset().total_seconds() == -5 * 3600


def _raw():
    from tests.handoff.conftest import ROOT

    return yaml.safe_load((ROOT / "backend" / "policy.yml").read_text())


def test_closed_dates_are_skipped():
    raw = _raw()
    raw["business_hours"]["closed_dates"] = ["2026-11-26", "2026-11-27"]  # Thanksgiving and the day after
    hours = parse_policy(raw).business_hours
    assert hours.closed_dates == (date(2026, 11, 26), date(2026, 11, 27))
    assert not hours.is_open(at(2026, 11, 26, 10, 0))
    assert hours.next_opening(at(2026, 11, 25, 18, 0)) == at(2026, 11, 30, 9, 0)


def test_opening_text():
    assert opening_text(at(2026, 11, 30, 9, 0)) == "Monday, November 30 at 09:00 (America/New_York time)"
    assert opening_text(None) is None


def test_handoff_section_defaults_and_validation(policy):
    assert policy.handoff.policy_triggers == ("refund_over_threshold",)
    assert set(policy.handoff.notify) == {"handoff", "refund_over_threshold", "sales_callback"}
    raw = _raw()
    del raw["handoff"]
    assert parse_policy(raw).handoff.require_available_staff is False
    for key, value, message in [
        ("policy_triggers", ["vip"], "policy.handoff.policy_triggers[0]: must be one of"),
        ("notify", "handoff", "policy.handoff.notify: must be a list"),
        ("require_available_staff", "yes", "policy.handoff.require_available_staff: must be true or false"),
    ]:
        raw = _raw()
        raw["handoff"][key] = value
        with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_policy(raw)
    raw = _raw()
    raw["business_hours"]["closed_dates"] = ["next friday"]
    with pytest.raises(PolicyError, match=r"policy.business_hours.closed_dates\[0\]"):
        parse_policy(raw)
