"""Status, revoke, tracking, refund and final bill against the real backend."""

from actions.backend_client import Auth, BackendClient
from actions.requests import (
    ActionAskConfirmationNumber,
    ActionAskRefundAmount,
    ActionAskRefundReason,
    ActionAskRevokeConfirmed,
    ActionAskTrackingNumber,
    ActionBillFinish,
    ActionRefundFinish,
    ActionRevokeFinish,
    ActionStatusFinish,
    ActionTrackingFinish,
    ValidateBillForm,
    ValidateRefundForm,
    ValidateRevokeForm,
    ValidateStatusForm,
    ValidateTrackingForm,
)

from .conftest import button_payloads, make_tracker, new_sender, run, texts, validate, verified_slots


async def _filed(who, service_id, sender):
    slots = await verified_slots(who, sender)
    async with BackendClient.from_env() as c:
        filed = await c.file_cancellation(
            Auth(slots["verification_handle"], sender, "rest"),
            f"test-{sender}",
            service_id=service_id,
            when="end_of_period",
        )
    return slots, filed["confirmation_number"]


def _turn(form, sender, slots, set_now, text="", entities=None):
    return make_tracker(slots, sender=sender, text=text, entities=entities, active_loop=form, set_now=set_now)


async def test_status(live_backend):
    sender = new_sender()
    slots, number = await _filed("ivan", "SVC-4001", sender)
    msgs, _, _ = await run(ActionAskConfirmationNumber(), make_tracker())
    assert "12 letters and digits" in texts(msgs)
    v = ValidateStatusForm()
    # typed in lower case without dashes
    typed = number.replace("-", "").lower()
    _, _, out = await validate(v, _turn("status_form", sender, slots, {"confirmation_number": typed}, typed))
    assert out["confirmation_number"] == number and out["requested_slot"] is None
    slots["confirmation_number"] = number
    msgs, _, reset = await run(ActionStatusFinish(), make_tracker(slots, sender=sender))
    assert f"Request {number} for Managed VPS (SVC-4001) is received" in texts(msgs)
    assert reset["confirmation_number"] is None


async def test_confirmation_number_checks(live_backend):
    sender = new_sender()
    slots = await verified_slots("erin", sender)
    v = ValidateStatusForm()
    msgs, _, out = await validate(v, _turn("status_form", sender, slots, {"confirmation_number": "hello"}))
    assert out["confirmation_number"] is None and "12 letters and digits" in texts(msgs)
    msgs, _, out = await validate(
        v, _turn("status_form", sender, slots, {"confirmation_number": "AAAA-AAAA-AAAA"})
    )
    assert out["confirmation_number"] is None and "doesn't check out" in texts(msgs)
    # a valid number of another account: not found, and the form ends (no loop)
    _, other = await _filed("judy", "SVC-5001", new_sender())
    msgs, _, out = await validate(v, _turn("status_form", sender, slots, {"confirmation_number": other}))
    assert out["flow_stopped"] == "not_found" and out["requested_slot"] is None
    assert "couldn't find" in texts(msgs)


async def test_revoke_then_again(live_backend):
    sender = new_sender()
    slots, number = await _filed("erin", "SVC-1001", sender)
    v = ValidateRevokeForm()
    _, _, out = await validate(v, _turn("revoke_form", sender, slots, {"confirmation_number": number}))
    assert out["requested_slot"] == "revoke_confirmed"
    slots["confirmation_number"] = number
    msgs, _, _ = await run(ActionAskRevokeConfirmed(), make_tracker(slots, sender=sender))
    assert f"Revoke cancellation {number} for Starter Hosting (SVC-1001)" in texts(msgs)
    assert button_payloads(msgs) == ["/affirm", "/deny"]
    _, _, out = await validate(v, _turn("revoke_form", sender, slots, {"revoke_confirmed": True}))
    assert out["requested_slot"] is None
    slots["revoke_confirmed"] = True
    msgs, _, _ = await run(ActionRevokeFinish(), make_tracker(slots, sender=sender))
    assert f"cancellation {number} is revoked" in texts(msgs)
    # the same run again (a retry: same tracker, same Idempotency-Key) gets the first answer
    msgs, _, _ = await run(ActionRevokeFinish(), make_tracker(slots, sender=sender))
    assert f"cancellation {number} is revoked" in texts(msgs)
    # revoking again in a later turn is refused
    msgs, _, _ = await run(ActionRevokeFinish(), make_tracker(slots, sender=sender, text="revoke it again"))
    assert f"I can't revoke {number}" in texts(msgs)
    # saying no changes nothing
    _, _, out = await validate(v, _turn("revoke_form", sender, slots, {"revoke_confirmed": False}))
    assert out["flow_stopped"] == "declined"
    msgs, _, _ = await run(ActionRevokeFinish(), make_tracker({**slots, **out}, sender=sender))
    assert "nothing has been changed" in texts(msgs)


async def test_tracking(live_backend):
    sender = new_sender()
    slots, number = await _filed("frank", "SVC-2001", sender)
    msgs, _, _ = await run(ActionAskTrackingNumber(), make_tracker())
    assert "tracking number" in texts(msgs)
    v = ValidateTrackingForm()
    msgs, _, out = await validate(
        v, _turn("tracking_form", sender, {**slots, "confirmation_number": number}, {"tracking_number": "no"})
    )
    assert out["tracking_number"] is None
    _, _, out = await validate(
        v,
        _turn(
            "tracking_form",
            sender,
            {**slots, "confirmation_number": number},
            {"tracking_number": "it's 1z999aa10123456784"},
        ),
    )
    assert out["tracking_number"] == "1Z999AA10123456784" and out["requested_slot"] is None
    slots.update(confirmation_number=number, tracking_number=out["tracking_number"])
    msgs, _, _ = await run(ActionTrackingFinish(), make_tracker(slots, sender=sender))
    assert "1Z999AA10123456784 is recorded for Netgear R7000" in texts(msgs)


async def test_refund_small_and_large(live_backend):
    msgs, _, _ = await run(ActionAskRefundAmount(), make_tracker())
    assert "How much" in texts(msgs)
    msgs, _, _ = await run(ActionAskRefundReason(), make_tracker())
    assert "why" in texts(msgs)
    sender = new_sender()
    slots = await verified_slots("grace", sender)
    v = ValidateRefundForm()
    _, _, out = await validate(v, _turn("refund_form", sender, slots, {"refund_amount": "about $49.5"}))
    assert out["refund_amount"] == "49.50" and out["requested_slot"] == "refund_reason"
    msgs, _, out = await validate(v, _turn("refund_form", sender, slots, {"refund_amount": "a lot"}))
    assert out["refund_amount"] is None
    _, _, out = await validate(
        v,
        _turn(
            "refund_form",
            sender,
            {**slots, "refund_amount": "49.50"},
            {"refund_reason": "charged twice in October"},
        ),
    )
    assert out["requested_slot"] is None
    msgs, _, _ = await run(
        ActionRefundFinish(),
        make_tracker(
            {**slots, "refund_amount": "49.50", "refund_reason": "charged twice in October"}, sender=sender
        ),
    )
    assert "A credit of $49.50 will be processed" in texts(msgs)
    msgs, _, _ = await run(
        ActionRefundFinish(),
        make_tracker(
            {**slots, "refund_amount": "1500.00", "refund_reason": "outage for a month"}, sender=sender
        ),
    )
    assert "refund request for $1,500.00 is being reviewed" in texts(msgs)


async def test_final_bill(live_backend):
    sender = new_sender()
    slots = await verified_slots("kim", sender)
    v = ValidateBillForm()
    # already verified: the form has nothing to ask and ends at once
    _, _, out = await validate(v, make_tracker(slots, sender=sender, active_loop="bill_form"))
    assert out.get("requested_slot") is None
    msgs, _, _ = await run(ActionBillFinish(), make_tracker(slots, sender=sender))
    assert "$89.90" in texts(msgs) and "INV-6001" in texts(msgs) and "due at cancellation" in texts(msgs)
    # not verified: the domain's slots (identification) are what is required, so the
    # form itself requests the first one
    _, _, out = await validate(v, make_tracker({}, active_loop="bill_form"))
    assert "requested_slot" not in out


async def test_a_retried_refund_run_files_one_refund(live_backend):
    """The action server crashed after the backend filed the refund: Rasa runs the action again
    on the same tracker, which sends the same Idempotency-Key: one refund, one billing alert."""
    import json
    import urllib.request

    sender = new_sender()
    slots = await verified_slots("grace", sender)
    tracker_slots = {**slots, "refund_amount": "1234.00", "refund_reason": "billed for a month of outage"}
    for _ in range(2):
        msgs, _, _ = await run(ActionRefundFinish(), make_tracker(tracker_slots, sender=sender))
        assert "refund request for $1,234.00 is being reviewed" in texts(msgs)
    request = urllib.request.Request(
        live_backend["url"] + "/api/v1/dev/outbox?to=Heather",
        headers={"Authorization": f"Bearer {live_backend['token']}"},
    )
    with urllib.request.urlopen(request) as answer:
        alerts = [m for m in json.load(answer)["messages"] if "$1,234.00" in m["body"]]
    assert len(alerts) == 1
