"""What a customer reads when the real backend refuses what they typed (a 422 naming a field):
one sentence in words, never the API's "date: must be ...", with a capital and a full stop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from actions.cancel_flow import ActionCancelFinish, ValidateCancelForm
from actions.messages import day
from actions.requests import ActionRefundFinish, ActionTrackingFinish, ValidateRefundForm
from actions.settings import company_today
from backend.confirmation import generate
from backend.policy import load_policy
from tests.text_rules import text_problems

from .conftest import make_tracker, new_sender, run, texts, validate, verified_slots

MAX_DAYS = load_policy(Path(__file__).resolve().parents[2] / "backend" / "policy.yml").max_future_days
TOO_FAR = f"The end date must be within {MAX_DAYS} days."
PAST = "The end date must be today or later."


async def _slots(**extra):
    sender = new_sender()
    slots = await verified_slots("mona", sender)
    slots.update(extra)
    return sender, slots


def _said(msgs) -> str:
    text = texts(msgs)
    assert not text_problems(text), (text, text_problems(text))
    return text


async def test_an_end_date_out_of_range_is_refused_in_words(live_backend):
    sender, slots = await _slots(
        service_id="SVC-7001",
        service_confirmed=True,
        reason="other",
        backup_confirmed=True,
        end_when="date",
        requested_slot="end_date",
    )
    too_far = (company_today() + timedelta(days=MAX_DAYS + 40)).isoformat()
    latest = f"The latest end I can set is {day(company_today() + timedelta(days=MAX_DAYS))}."
    # the date question (utter_ask_end_date) follows: the refusal does not ask it too
    for typed, why in (("2020-01-01", PAST), (too_far, f"{TOO_FAR} {latest}")):
        tracker = make_tracker(
            slots, sender=sender, text=typed, active_loop="cancel_form", set_now={"end_date": typed}
        )
        msgs, _, out = await validate(ValidateCancelForm(), tracker)
        assert out["end_date"] is None
        assert _said(msgs) == f"That date doesn't work. {why}"


async def test_filing_on_an_end_date_out_of_range_is_refused_in_words(live_backend):
    too_far = (company_today() + timedelta(days=MAX_DAYS + 40)).isoformat()
    for end_date, why in (("2020-01-01", PAST), (too_far, TOO_FAR)):
        sender, slots = await _slots(
            service_id="SVC-7001",
            service_name="Dedicated Servers",
            service_confirmed=True,
            reason="other",
            backup_confirmed=True,
            end_when="date",
            end_date=end_date,
            final_confirmation=True,
        )
        msgs, _, _ = await run(ActionCancelFinish(), make_tracker(slots, sender=sender))
        assert f"I couldn't file the cancellation. {why} Nothing was filed." in _said(msgs)


async def test_a_tracking_number_the_backend_refuses_is_refused_in_words(live_backend):
    # the form takes 8 to 40 letters and digits; the backend's own check is the last word
    sender, slots = await _slots(confirmation_number=generate(), tracking_number="1Z-99")
    msgs, _, _ = await run(ActionTrackingFinish(), make_tracker(slots, sender=sender))
    assert _said(msgs) == (
        "I couldn't record that tracking number. The tracking number must be 8 to 40 letters and digits."
    )


async def test_a_refund_the_backend_refuses_is_refused_in_words(live_backend):
    sender, slots = await _slots(refund_amount="12.50", refund_reason="x" * 1001)
    msgs, _, _ = await run(ActionRefundFinish(), make_tracker(slots, sender=sender))
    assert _said(msgs) == "I couldn't file the refund request. The reason must be at most 1000 characters."
    # an amount larger than a request may carry is asked again, never sent
    tracker = make_tracker(
        slots, sender=sender, active_loop="refund_form", set_now={"refund_amount": "$1,000,000,000"}
    )
    msgs, _, out = await validate(ValidateRefundForm(), tracker)
    assert out["refund_amount"] is None and "Please type an amount like 49.99." in texts(msgs)
