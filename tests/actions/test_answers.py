"""Questions in between: real figures when verified, a general answer when not."""

from actions.answers import (
    ActionAnswerBalance,
    ActionAnswerEquipment,
    ActionAnswerFee,
    ActionAnswerRefund,
)

from .conftest import make_tracker, new_sender, run, texts, verified_slots


async def test_general_answers_without_verification(live_backend):
    for action, words in [
        (ActionAnswerFee(), "final bill for each option"),
        (ActionAnswerRefund(), "depends on the end date"),
        (ActionAnswerBalance(), "due when the service is cancelled"),
        (ActionAnswerEquipment(), "prepaid return label"),
    ]:
        msgs, events, _ = await run(action, make_tracker(active_loop="cancel_form"))
        assert words in texts(msgs), action.name()
        assert events == []


async def test_figures_when_verified(live_backend):
    sender = new_sender()
    slots = await verified_slots("frank", sender)
    slots["service_id"] = "SVC-2001"
    tracker = make_tracker(slots, sender=sender, active_loop="cancel_form")
    msgs, _, _ = await run(ActionAnswerFee(), tracker)
    assert "Ending immediately" in texts(msgs) and "Netgear R7000: $120.00" in texts(msgs)
    msgs, _, _ = await run(ActionAnswerRefund(), tracker)
    assert "no refund" in texts(msgs)
    msgs, _, _ = await run(ActionAnswerBalance(), tracker)
    assert "$1,250.00" in texts(msgs) and "Billing > Pay now" in texts(msgs)
    msgs, _, _ = await run(ActionAnswerEquipment(), tracker)
    assert "Netgear R7000 (serial ending" in texts(msgs) and "30 days" in texts(msgs)


async def test_no_equipment(live_backend):
    sender = new_sender()
    slots = await verified_slots("erin", sender)
    msgs, _, _ = await run(ActionAnswerEquipment(), make_tracker(slots, sender=sender))
    assert "no leased equipment" in texts(msgs)


async def test_expired_handle_is_forgotten(live_backend):
    msgs, _, slots = await run(ActionAnswerBalance(), make_tracker({"verification_handle": "not-a-handle"}))
    assert "verification has expired" in texts(msgs)
    assert slots["verification_handle"] is None and slots["verified"] is False
