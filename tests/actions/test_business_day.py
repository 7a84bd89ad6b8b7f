"""The action server and the backend agree on "today": both read it in the company's time zone
(COMPANY_TIMEZONE). The zone is chosen so that its date differs from the UTC date now (a day
behind before 11:00 UTC, a day ahead after), so these tests fail on a backend that counts in UTC
whatever the hour they run at (except across midnight UTC, while they run)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from actions.cancel_flow import ValidateCancelForm
from actions.settings import company_today
from contract.vocabulary.dates import human_date

from .conftest import backend_serving, make_tracker, new_sender, texts, validate, verified_slots

BEHIND, AHEAD = "Etc/GMT+12", "Pacific/Kiritimati"  # UTC-12 and UTC+14


@pytest.fixture(scope="module")
def zoned_backend(tmp_path_factory):
    """A backend and this action server in a company zone whose date is not the UTC date now."""
    zone = BEHIND if datetime.now(timezone.utc).hour < 11 else AHEAD
    with backend_serving(tmp_path_factory, COMPANY_TIMEZONE=zone) as backend:
        yield {**backend, "zone": zone}


async def _erin_at_the_end_question(slot: str):
    sender = new_sender()
    slots = await verified_slots("erin", sender)
    slots.update(
        service_id="SVC-1001",
        service_confirmed=True,
        reason="other",
        backup_confirmed=True,
        end_when="date" if slot == "end_date" else None,
        requested_slot=slot,
    )
    return sender, slots


def _turn(sender, slots, set_now):
    return make_tracker(
        slots,
        sender=sender,
        text=str(next(iter(set_now.values()))),
        set_now=set_now,
        active_loop="cancel_form",
    )


async def test_today_in_the_company_zone_is_accepted_as_the_end_date(zoned_backend):
    today = company_today()
    assert today != datetime.now(timezone.utc).date(), zoned_backend["zone"]
    sender, slots = await _erin_at_the_end_question("end_date")
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_date": "today"}))
    assert "That date doesn't work" not in texts(msgs)
    assert out["end_date"] == today.isoformat() and out["requested_slot"] == "final_confirmation"
    assert f"Your service would end on {human_date(today, today)}." in texts(msgs)


async def test_ending_immediately_ends_on_the_company_today(zoned_backend):
    today = company_today()
    sender, slots = await _erin_at_the_end_question("end_when")
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_when": "1"}))
    assert out["end_when"] == "immediate"
    assert f"Your service would end on {human_date(today, today)}." in texts(msgs)
