"""The other requests read as customers write them (issue 10): the confirmation number the
assistant itself just gave, revoke answers with extra words, a refund's amount and reason said
with the request, a thank-you where a reason was asked, and a second request in the same message
("what's my balance, and can I cancel?")."""

from actions.backend_client import Auth, BackendClient, Conflict
from actions.requests import (
    ActionBillFinish,
    ActionStatusFinish,
    ValidateRefundForm,
    ValidateRevokeForm,
    ValidateStatusForm,
)

from .conftest import make_tracker, new_sender, run, texts, validate, verified_slots


async def _filed(who, service_id, sender):
    """A verified chat of ``who`` and the confirmation number of the open request for
    ``service_id`` (filed now, or by an earlier test of the shared backend)."""
    slots = await verified_slots(who, sender)
    auth = Auth(slots["verification_handle"], sender, "rest")
    async with BackendClient.from_env() as c:
        try:
            filed = await c.file_cancellation(
                auth, f"test-{sender}-{service_id}", service_id=service_id, when="end_of_period"
            )
            return slots, filed["confirmation_number"]
        except Conflict:
            service = next(s for s in await c.services(auth) if s["id"] == service_id)
            return slots, service["pending_cancellation"]["confirmation_number"]


def _bot(text):
    return {"event": "bot", "text": text}


def _user(text, intent="inform"):
    return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}}}


def _followups(events):
    return [e["name"] for e in events if e.get("event") == "followup"]


async def test_the_number_the_assistant_gave_is_the_one_meant(live_backend):
    sender = new_sender()
    slots, number = await _filed("erin", "SVC-1001", sender)
    before = [_user("yes", "affirm"), _bot(f"Your cancellation is filed.\nConfirmation number: {number}")]
    tracker = make_tracker(
        slots,
        sender=sender,
        text="on second thought, can you reverse that cancellation?",
        intent="revoke_cancellation",
        active_loop="revoke_form",
        events=before,
    )
    _, _, out = await validate(ValidateRevokeForm(), tracker)
    assert out["confirmation_number"] == number and out["requested_slot"] == "revoke_confirmed"
    # two numbers given in this session, two requests open on the account: which one is asked
    sender = new_sender()
    slots, first = await _filed("kim", "SVC-6001", sender)
    _, second = await _filed("kim", "SVC-6003", sender)
    two = [
        _bot(f"Confirmation number: {first}"),
        _user("yes", "affirm"),
        _bot(f"Confirmation number: {second}"),
    ]
    tracker = make_tracker(
        slots,
        sender=sender,
        text="undo one of my cancellations",
        intent="revoke_cancellation",
        active_loop="revoke_form",
        events=two,
    )
    _, _, out = await validate(ValidateRevokeForm(), tracker)
    assert not out.get("confirmation_number") and out["requested_slot"] == "confirmation_number"
    # the sample number of the question and a number that was not found are no requests: the
    # account's one open request is the one meant
    sender = new_sender()
    slots, number = await _filed("erin", "SVC-1001", sender)
    asked = before[:1] + [
        _bot(
            "What's the confirmation number? It's 12 letters and digits, like ABCD-EFGH-JKLM, and it's in your receipt."
        ),
        _user("WRNG-NUMB-ER22"),
        _bot(
            "I couldn't find a request WRNG-NUMB-ER22 on this account. Please check the number in your receipt."
        ),
        {"event": "action", "name": "action_status_finish"},
    ]
    tracker = make_tracker(
        slots,
        sender=sender,
        text="what's its status",
        intent="check_status",
        active_loop="revoke_form",
        events=asked,
    )
    _, _, out = await validate(ValidateRevokeForm(), tracker)
    assert out["confirmation_number"] == number


async def test_revoke_answers_with_extra_words(live_backend):
    sender = new_sender()
    slots, number = await _filed("ivan", "SVC-4001", sender)
    asked = {**slots, "confirmation_number": number, "requested_slot": "revoke_confirmed"}
    for text, intent, answer in [
        ("yes, we want to keep the service after all", "revoke_cancellation", True),
        ("yep, keep my hosting", "affirm", True),
        ("no no, leave it cancelled", "deny", False),
    ]:
        tracker = make_tracker(asked, sender=sender, text=text, intent=intent, active_loop="revoke_form")
        _, _, out = await validate(ValidateRevokeForm(), tracker)
        assert out["revoke_confirmed"] is answer, text
        assert (out.get("flow_stopped") == "declined") is (not answer)


async def test_refund_amount_and_reason_said_with_the_request(live_backend):
    sender = new_sender()
    slots = await verified_slots("grace", sender)
    text = "need a refnd of 25.00, you charged me after i asked to stop the service"
    tracker = make_tracker(slots, sender=sender, text=text, intent="ask_refund", active_loop="refund_form")
    _, _, out = await validate(ValidateRefundForm(), tracker)
    assert out["refund_amount"] == "25.00" and out["refund_reason"] == text
    assert out["requested_slot"] is None
    # only the asking: the reason is asked for
    tracker = make_tracker(
        slots,
        sender=sender,
        text="I'd like a refund of $15.50 please",
        intent="ask_refund",
        active_loop="refund_form",
    )
    _, _, out = await validate(ValidateRefundForm(), tracker)
    assert out["refund_amount"] == "15.50" and out["requested_slot"] == "refund_reason"


async def test_a_thank_you_is_no_refund_reason(live_backend):
    sender = new_sender()
    slots = await verified_slots("grace", sender)
    asked = {**slots, "refund_amount": "12.00", "requested_slot": "refund_reason"}
    tracker = make_tracker(
        asked,
        sender=sender,
        text="ok thanks a lot",
        intent="thanks",
        active_loop="refund_form",
        set_now={"refund_reason": "ok thanks a lot"},
    )
    msgs, _, out = await validate(ValidateRefundForm(), tracker)
    assert out["refund_reason"] is None and out["requested_slot"] == "refund_reason"
    assert [m.get("response") for m in msgs] == ["utter_youre_welcome"]


async def test_balance_and_a_cancellation_in_one_message(live_backend):
    sender = new_sender()
    slots = await verified_slots("kim", sender)
    text = "whats my balance, and can i cancel the website hosting? too expensive"
    msgs, events, set_ = await run(
        ActionBillFinish(), make_tracker(slots, sender=sender, text=text, intent="ask_balance")
    )
    assert "$89.90" in texts(msgs)
    assert _followups(events) == ["cancel_form"] and set_["reason"] == "price"
    # a cancellation that is only a condition is not asked for
    text = "what will my final bill be if i cancel?"
    msgs, events, _ = await run(
        ActionBillFinish(), make_tracker(slots, sender=sender, text=text, intent="ask_balance")
    )
    assert "$89.90" in texts(msgs) and _followups(events) == []


async def test_status_then_a_cancellation(live_backend):
    sender = new_sender()
    slots, number = await _filed("judy", "SVC-5001", sender)
    text = f"now status of {number} and then cancel the other one too"
    tracker = make_tracker(
        {**slots, "confirmation_number": number}, sender=sender, text=text, intent="check_status"
    )
    msgs, events, _ = await run(ActionStatusFinish(), tracker)
    assert f"Request {number}" in texts(msgs) and _followups(events) == ["cancel_form"]


async def test_a_refund_read_as_a_balance_question(live_backend):
    sender = new_sender()
    slots = await verified_slots("grace", sender)
    text = "hi, I was double charged $39.95 on my last bill and want it back"
    msgs, events, set_ = await run(
        ActionBillFinish(), make_tracker(slots, sender=sender, text=text, intent="ask_balance")
    )
    assert msgs == [] and _followups(events) == ["refund_form"]
    assert set_["refund_amount"] == "39.95" and set_["refund_reason"] == text


async def test_the_accounts_open_request_when_no_number_is_said(live_backend):
    # one open request: it is the one meant
    sender = new_sender()
    slots, number = await _filed("erin", "SVC-1001", sender)
    tracker = make_tracker(
        slots,
        sender=sender,
        text="what's the status of my cancellation?",
        intent="check_status",
        active_loop="status_form",
    )
    _, _, out = await validate(ValidateStatusForm(), tracker)
    assert out["confirmation_number"] == number and out["requested_slot"] is None
    # none open: said, and the form ends instead of asking for a number there is none of
    sender = new_sender()
    slots = await verified_slots("mona", sender)
    tracker = make_tracker(
        slots,
        sender=sender,
        text="can you check my cancellation",
        intent="check_status",
        active_loop="status_form",
    )
    msgs, _, out = await validate(ValidateStatusForm(), tracker)
    assert "don't see an open cancellation request" in texts(msgs)
    assert out["flow_stopped"] == "not_found" and out["requested_slot"] is None


async def test_the_same_status_asked_again_is_not_parroted(live_backend):
    sender = new_sender()
    slots, number = await _filed("erin", "SVC-1001", sender)
    slots = {**slots, "confirmation_number": number}
    msgs, _, _ = await run(ActionStatusFinish(), make_tracker(slots, sender=sender, text="status please"))
    first = texts(msgs)
    again = [_user("status please", "check_status"), _bot(first)]
    tracker = make_tracker(slots, sender=sender, text=f"it's {number} from before", events=again)
    msgs, _, _ = await run(ActionStatusFinish(), tracker)
    assert texts(msgs) == f"That's the request I just checked, and nothing has changed since: {first}"
