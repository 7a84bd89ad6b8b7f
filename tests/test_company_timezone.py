"""The company's time zone is a setting (COMPANY_TIMEZONE) of each process that needs it: the
action server reads customers' dates against today in it, the backend puts the staff hours in it.
Nothing reads it from the backend's policy file any more."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from actions.cancel_flow import read_end_when
from actions.settings import ActionServerSettings, company_today
from backend.config import load_settings
from backend.server import create_app
from contract.settings import ConfigError
from contract.vocabulary.dates import today_in

ROOT = Path(__file__).resolve().parents[1]
# 25 hours apart: whatever the hour, today there is a later date than today here.
AHEAD, BEHIND = "Pacific/Kiritimati", "Pacific/Pago_Pago"


def test_default_is_the_zone_the_policy_used_to_name():
    assert load_settings(env={}).company_timezone == "America/New_York"
    assert ActionServerSettings.from_env({}).company_timezone == "America/New_York"
    policy = yaml.safe_load((ROOT / "backend" / "policy.yml").read_text())
    assert "timezone" not in policy["business_hours"]


@pytest.mark.parametrize("read", [lambda env: load_settings(env=env), ActionServerSettings.from_env])
def test_an_unknown_zone_is_refused_naming_the_variable(read):
    with pytest.raises(ConfigError, match="COMPANY_TIMEZONE: unknown time zone 'Mars/Base'"):
        read({"COMPANY_TIMEZONE": "Mars/Base"})
    assert read({"COMPANY_TIMEZONE": AHEAD}).company_timezone == AHEAD


def test_the_action_server_reads_tomorrow_in_the_company_zone(monkeypatch):
    monkeypatch.setenv("COMPANY_TIMEZONE", AHEAD)
    assert company_today() == today_in(AHEAD) > today_in(BEHIND)
    assert read_end_when("tomorrow", True) == ("date", today_in(AHEAD) + timedelta(days=1))
    monkeypatch.setenv("COMPANY_TIMEZONE", BEHIND)
    assert read_end_when("tomorrow", True) == ("date", today_in(BEHIND) + timedelta(days=1))


def test_the_backend_puts_staff_hours_in_the_company_zone(tmp_path):
    env = {
        "COMPANY_TIMEZONE": "Europe/Paris",
        "BACKEND_SERVICE_TOKEN": "t",
        "IDENTIFIER_HASH_KEY": "k",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'backend.sqlite3'}",
        "POLICY_FILE": str(ROOT / "backend" / "policy.yml"),
    }
    from backend.api.keys import POLICY

    app = create_app(load_settings(env=env))
    hours = app[POLICY].business_hours
    assert hours.timezone == "Europe/Paris"
    # Wednesday 08:30 UTC is 09:30 in Paris (open) and 03:30 in New York (closed)
    assert hours.is_open(datetime(2025, 1, 15, 8, 30, tzinfo=timezone.utc))
