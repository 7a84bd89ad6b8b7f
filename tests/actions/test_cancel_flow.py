"""The cancellation form against the real backend: each validator, each question, filing."""

import re

from actions import report_events
from actions.backend_client import Auth, BackendClient
from actions.cancel_flow import (
    ActionAskEndWhen,
    ActionAskFinalConfirmation,
    ActionAskServiceConfirmed,
    ActionAskServiceId,
    ActionCancelFinish,
    ValidateCancelForm,
)
from actions.settings import company_today
from contract.vocabulary.dates import human_date

from .conftest import (
    audit_actions,
    button_payloads,
    domain_dict,
    make_tracker,
    new_sender,
    run,
    texts,
    utter,
    validate,
    verified_slots,
)

FORM = "cancel_form"


async def _kim(**slots):
    sender = new_sender()
    base = await verified_slots("kim", sender)
    base.update(slots)
    return sender, base


def _turn(sender, slots, set_now, text="", intent="inform", entities=None):
    slots = dict(slots)
    return make_tracker(
        slots, sender=sender, text=text, intent=intent, entities=entities, active_loop=FORM, set_now=set_now
    )


async def _required(slots):
    v = ValidateCancelForm()
    from rasa_sdk.executor import CollectingDispatcher

    return await v.required_slots([], CollectingDispatcher(), make_tracker(slots), domain_dict())


async def test_required_slots_full_fast_and_stopped():
    ident = ["account_identifier", "verification_factor"]
    full = ["service_id", "service_confirmed", "reason", "backup_confirmed", "end_when", "final_confirmation"]
    assert await _required({}) == ident + full
    verified = {"verification_handle": "h"}
    assert await _required(verified) == full
    assert await _required({**verified, "offer_id": "O"}) == [
        "service_id",
        "service_confirmed",
        "reason",
        "offer_response",
        "backup_confirmed",
        "end_when",
        "final_confirmation",
    ]
    assert (await _required({**verified, "end_when": "date"}))[-2:] == ["end_date", "final_confirmation"]
    # cancel_now: only what is needed to file
    assert await _required({**verified, "fast_track": True}) == ["service_id", "final_confirmation"]
    # an end said on the fast path is validated like any answer
    assert await _required({**verified, "fast_track": True, "end_when": "date"}) == [
        "service_id",
        "end_when",
        "end_date",
        "final_confirmation",
    ]
    assert await _required({**verified, "flow_stopped": "offer_accepted"}) == []


async def test_service_list_and_choice(live_backend):
    sender, slots = await _kim(requested_slot="service_id")
    msgs, _, _ = await run(ActionAskServiceId(), make_tracker(slots, sender=sender))
    text = texts(msgs)
    for sid, name in [
        ("SVC-6001", "Office Internet"),
        ("SVC-6002", "Office Phones"),
        ("SVC-6003", "Website Hosting"),
    ]:
        assert f"{name} ({sid})" in text
    assert '/inform{"service":"SVC-6002"}' in button_payloads(msgs)

    for answer, expected in [
        ("SVC-6002", "SVC-6002"),
        ("2", "SVC-6002"),
        ("the website hosting one", "SVC-6003"),
        ("svc-6001", "SVC-6001"),
    ]:
        _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"service_id": answer}, answer))
        assert out["service_id"] == expected, answer
        assert out["requested_slot"] == "service_confirmed"

    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"service_id": "the yacht"}))
    assert out["service_id"] is None and "couldn't match" in texts(msgs)


async def test_services_named_in_the_whole_answer_not_the_entity(live_backend):
    # the classifier's entity holds one word of the answer; the answer names two and keeps one
    sender, slots = await _kim(requested_slot="service_id")
    text = "the internet and the phones, keep the website"
    msgs, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, {"service_id": "internet"}, text)
    )
    assert out["service_id"] == "SVC-6001" and out["service_queue"] == "SVC-6002"
    assert "Okay, both: Office Internet and Office Phones." in texts(msgs)
    _, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, {"service_id": "internet"}, "not the internet, the phones")
    )
    assert out["service_id"] == "SVC-6002"


async def test_slots_settled_by_extraction_are_kept(live_backend):
    # verified before the form opened (details in an earlier message), reason already known:
    # the form's first run settles the services and the offer in its extract_ step; rasa_sdk
    # keeps only required slots from there, the form adds the others back (no "offer: None")
    sender, slots = await _kim(reason="price")
    text = "please cancel the office internet and the office phones"
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"reason": "price"}, text))
    assert out["service_id"] == "SVC-6001" and out["service_name"] == "Office Internet"
    assert out["service_queue"] == "SVC-6002"
    assert out["offer_id"] and out["offer_title"] == "25% off for 6 months"
    assert out["requested_slot"] == "offer_response"


async def test_bundle_warning_and_confirmation(live_backend):
    sender, slots = await _kim(
        service_id="SVC-6002", service_name="Office Phones", requested_slot="service_confirmed"
    )
    msgs, _, _ = await run(ActionAskServiceConfirmed(), make_tracker(slots, sender=sender))
    text = texts(msgs)
    assert "Office Phones (SVC-6002)" in text
    assert "Office Connect bundle" in text and "Office Internet (SVC-6001)" in text
    assert button_payloads(msgs) == ["/affirm", "/deny"]
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"service_confirmed": False}))
    assert out["service_id"] is None and out["requested_slot"] == "service_id"
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"service_confirmed": True}))
    assert out["service_confirmed"] is True and out["requested_slot"] == "reason"


async def test_reason_given_before_the_service_was_settled_still_gets_its_offer(live_backend):
    # "cancel my hosting, it's too expensive" as the first message: the reason is known before
    # the customer is verified and the service chosen; the offer comes once the service is settled.
    sender, slots = await _kim(
        service_id="SVC-6003",
        service_name="Website Hosting",
        reason="price",
        requested_slot="service_confirmed",
    )
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"service_confirmed": True}))
    assert out["service_confirmed"] is True
    assert out["offer_id"] and out["offer_title"] == "25% off for 6 months"
    assert out["requested_slot"] == "offer_response"


async def test_reason_leads_to_one_offer_then_accept_saves(live_backend):
    sender, slots = await _kim(
        service_id="SVC-6003", service_name="Website Hosting", service_confirmed=True, requested_slot="reason"
    )
    msgs = await utter("utter_ask_reason", slots)
    assert '/give_reason{"reason":"price"}' in button_payloads(msgs)
    assert "/deny" in button_payloads(msgs) and "/cancel_now" in button_payloads(msgs)

    msgs, _, out = await validate(
        ValidateCancelForm(),
        _turn(
            sender,
            slots,
            {"reason": "it's too expensive"},
            entities=[{"entity": "reason", "value": "price"}],
            intent="give_reason",
        ),
    )
    assert out["reason"] == "price"
    assert out["offer_id"] and out["offer_title"] == "25% off for 6 months"
    assert out["requested_slot"] == "offer_response"

    slots.update(
        reason="price",
        offer_id=out["offer_id"],
        offer_title=out["offer_title"],
        offer_description=out["offer_description"],
        requested_slot="offer_response",
    )
    msgs = await utter("utter_ask_offer_response", slots)
    assert f"one offer: 25% off for 6 months. {out['offer_description']} Would you" in texts(msgs)
    assert button_payloads(msgs) == ["/affirm", "/deny", "/cancel_now"]

    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"offer_response": "accepted"}))
    assert out["flow_stopped"] == "offer_accepted" and out["requested_slot"] is None
    assert "25% off for 6 months is now applied to Website Hosting" in texts(msgs)
    assert "nothing has been cancelled" in texts(msgs)

    # the finish action says nothing more and resets the attempt
    slots.update(out)
    msgs, _, reset = await run(ActionCancelFinish(), make_tracker(slots, sender=sender))
    assert msgs == [] and reset["service_id"] is None and reset["offer_id"] is None


async def test_offer_declined_goes_straight_on(live_backend):
    sender, slots = await _kim(
        service_id="SVC-6001", service_confirmed=True, reason="price", requested_slot="offer_response"
    )
    async with BackendClient.from_env() as c:
        offer = await c.make_offer(Auth(slots["verification_handle"], sender, "rest"), "SVC-6001", "price")
    slots.update(offer_id=offer["id"], offer_title=offer["title"])
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"offer_response": "declined"}))
    assert out["offer_response"] == "declined" and out["requested_slot"] == "backup_confirmed"
    assert "Let's continue" in texts(msgs)


async def test_skipped_reason(live_backend):
    sender, slots = await _kim(service_id="SVC-6002", service_confirmed=True, requested_slot="reason")
    msgs, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, {"reason": "skipped"}, intent="deny")
    )
    assert out["reason"] == "skipped" and "No problem." in texts(msgs)


async def test_backup(live_backend):
    msgs = await utter("utter_ask_backup_confirmed")
    assert "can't be retrieved after cancellation" in texts(msgs)
    assert button_payloads(msgs) == ["/affirm", "/deny", "/cancel_now"]
    sender, slots = await _kim(
        service_id="SVC-6001", service_confirmed=True, reason="other", requested_slot="backup_confirmed"
    )
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"backup_confirmed": False}))
    assert out["backup_confirmed"] is None and "back up what you need first" in texts(msgs)
    assert out["requested_slot"] == "backup_confirmed"
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"backup_confirmed": True}))
    assert out["requested_slot"] == "end_when"


async def test_end_when_choices_dates_and_renewal_warning(live_backend):
    sender, slots = await _kim(
        service_id="SVC-6001",
        service_confirmed=True,
        reason="other",
        backup_confirmed=True,
        requested_slot="end_when",
    )
    msgs, _, _ = await run(ActionAskEndWhen(), make_tracker(slots, sender=sender))
    text = texts(msgs)
    assert "1. Immediately" in text and re.search(
        r"2\. At the end of the billing period, on [A-Z][a-z]+day, [A-Z][a-z]+ \d", text
    )
    assert button_payloads(msgs) == [
        '/inform{"end_when":"immediate"}',
        '/inform{"end_when":"end_of_period"}',
        '/inform{"end_when":"date"}',
    ]
    # a bare number is the menu choice
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_when": "1"}))
    assert out["end_when"] == "immediate" and out["end_date"] is None
    assert "no refund" in texts(msgs) and "renewal" in texts(msgs)  # SVC-6001 renews in 3 days
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_when": "end_of_period"}))
    assert out["end_when"] == "end_of_period" and out["requested_slot"] == "final_confirmation"
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_when": "3"}))
    assert out["end_when"] == "date" and out["requested_slot"] == "end_date"
    msgs, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, {"end_when": "end of next month"})
    )
    assert out["end_when"] == "date" and out["end_date"] and out["requested_slot"] == "final_confirmation"
    assert f"end on {human_date(out['end_date'], company_today())}" in texts(msgs)
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_when": "whenever"}))
    assert out["end_when"] is None and "didn't get that" in texts(msgs)


async def test_end_date_refused_by_the_backend(live_backend):
    sender, slots = await _kim(
        service_id="SVC-6001",
        service_confirmed=True,
        reason="other",
        backup_confirmed=True,
        end_when="date",
        requested_slot="end_date",
    )
    msgs = await utter("utter_ask_end_date", slots)
    assert "Which date" in texts(msgs)
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_date": "2020-01-01"}))
    assert out["end_date"] is None and "That date doesn't work" in texts(msgs)
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"end_date": "Dec 15"}))
    assert out["end_date"].endswith("-12-15") and out["requested_slot"] == "final_confirmation"


async def test_summary_full_path_has_balance_and_equipment_steps(live_backend, monkeypatch):
    sender, slots = await _kim(
        service_id="SVC-6001",
        service_confirmed=True,
        reason="other",
        backup_confirmed=True,
        end_when="end_of_period",
        requested_slot="final_confirmation",
    )
    called = []
    real_request = BackendClient._request

    async def recording(self, operation, **kw):
        called.append(operation.path.rsplit("/", 1)[-1])
        return await real_request(self, operation, **kw)

    monkeypatch.setattr(BackendClient, "_request", recording)
    msgs, _, _ = await run(ActionAskFinalConfirmation(), make_tracker(slots, sender=sender))
    assert called == ["preview"]  # the whole summary from one backend call
    assert len(msgs) == 3
    balance, equipment, summary = (m["text"] for m in msgs)
    assert "$89.90" in balance and "due at cancellation" in balance and "Billing > Pay now" in balance
    assert "Ubiquiti UDM Pro" in equipment and "$120.00" in equipment
    assert "prepaid return label" in equipment and "tracking number" in equipment
    assert "Office Internet (SVC-6001)" in summary and "Office Connect bundle" in summary
    assert "can't be retrieved" in summary and "accept these terms" in summary
    assert "(you confirmed your backup)" in summary and "- Equipment to return by " in summary
    assert button_payloads(msgs) == ["/affirm", "/deny"]


async def test_summary_fast_path_is_one_message_with_the_terms(live_backend):
    sender, slots = await _kim(service_id="SVC-6001", fast_track=True, requested_slot="final_confirmation")
    msgs, _, _ = await run(ActionAskFinalConfirmation(), make_tracker(slots, sender=sender))
    assert len(msgs) == 1
    text = msgs[0]["text"]
    assert "$89.90" in text and "Ubiquiti UDM Pro" in text
    assert "can't be retrieved after cancellation" in text
    assert "end of the billing period, the default since no other date was chosen" in text
    assert "renewal" in text


async def test_final_no_files_nothing(live_backend):
    sender, slots = await _kim(service_id="SVC-6002", fast_track=True, requested_slot="final_confirmation")
    _, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, {"final_confirmation": False}))
    assert out["flow_stopped"] == "declined" and out["requested_slot"] is None
    slots.update(out)
    msgs, _, reset = await run(ActionCancelFinish(), make_tracker(slots, sender=sender))
    assert "haven't cancelled anything" in texts(msgs)
    assert reset["final_confirmation"] is None and reset["fast_track"] is None
    # the reports learn that the customer stopped (docs/reports.md), keyed by the conversation's hash
    await report_events.settle()
    stopped = [d for a, d in audit_actions(live_backend, sender) if a == "conversation_stopped"]
    assert len(stopped) == 1 and stopped[0]["channel"] == "rest"
    assert sender not in stopped[0]["sealed_conversation"]


async def test_filing_is_idempotent_and_exists_in_the_backend(live_backend):
    sender = new_sender()
    slots = await verified_slots("grace", sender, "socketio")
    slots.update(
        service_id="SVC-3001",
        service_name="Business Voice",
        service_confirmed=True,
        reason="moving",
        backup_confirmed=True,
        end_when="end_of_period",
        final_confirmation=True,
        requested_slot=None,
    )
    tracker = make_tracker(
        slots,
        sender=sender,
        channel="socketio",
        events=[{"event": "session_started", "timestamp": 1700000000.0}],
    )
    msgs, events, out = await run(ActionCancelFinish(), tracker)
    text = texts(msgs)
    assert "Your cancellation is filed." in text
    number = text.split("Confirmation number: ")[1].split("\n")[0]
    assert "Business Voice (SVC-3001)" in text and re.search(r"Ends: [A-Z][a-z]+day, ", text)
    assert "Balance: $300.00 due at cancellation" in text
    assert "Arris SB8200" in text and "Next steps:" in text
    assert "receipt is on its way to g" in text and "survey.example.com" in text
    assert re.search(r"Arris SB8200 RMA RMA-[A-Z2-9]{8}", text)
    label = re.search(r"Prepaid return label: (https://help\.example\.com/labels/\S+\.pdf)", text).group(1)
    receipt = re.search(r"Your receipt \(PDF\): (https://help\.example\.com/receipts/\S+\.pdf)", text).group(
        1
    )
    assert number not in label + receipt
    assert out["cancel_attempt"] == 1.0 and out["service_id"] is None
    # a retry of the same action run (same tracker) files nothing new
    msgs2, _, _ = await run(
        ActionCancelFinish(),
        make_tracker(
            slots,
            sender=sender,
            channel="socketio",
            events=[{"event": "session_started", "timestamp": 1700000000.0}],
        ),
    )
    assert f"Confirmation number: {number}" in texts(msgs2)
    async with BackendClient.from_env() as c:
        filed = await c.get_cancellation(Auth(slots["verification_handle"], sender, "socketio"), number)
    assert filed["status"] == "received" and filed["service"]["id"] == "SVC-3001"
    assert filed["reason"] == "moving" and filed["when"] == "end_of_period"


async def test_a_handle_verified_on_sms_is_refused_when_the_conversation_continues_over_rest(live_backend):
    """Issue 14: a REST (or socket.io) message with an SMS conversation's id must not reach the
    account the SMS customer verified: the services are not shown and nothing is filed."""
    sender = new_sender()
    slots = await verified_slots("kim", sender, "twilio")
    for channel in ("rest", "socketio", "slack"):
        msgs, events, _ = await run(
            ActionAskServiceId(),
            make_tracker(dict(slots, requested_slot="service_id"), sender=sender, channel=channel),
        )
        text = texts(msgs)
        assert "Office Internet" not in text and "SVC-6001" not in text, channel
    filing = dict(
        slots,
        service_id="SVC-6001",
        service_name="Office Internet",
        service_confirmed=True,
        reason="price",
        backup_confirmed=True,
        end_when="end_of_period",
        final_confirmation=True,
        requested_slot=None,
    )
    msgs, _, out = await run(ActionCancelFinish(), make_tracker(filing, sender=sender, channel="rest"))
    assert "Confirmation number" not in texts(msgs) and "verification has expired" in texts(msgs)
    assert out["verification_handle"] is None
    # the legitimate channel still works
    msgs, _, _ = await run(
        ActionAskServiceId(),
        make_tracker(dict(slots, requested_slot="service_id"), sender=sender, channel="twilio"),
    )
    assert "Office Internet (SVC-6001)" in texts(msgs)


async def test_yes_after_a_crash_between_filing_and_answering_gets_the_filed_number(live_backend):
    """Issue 14: the backend filed the request but the answer never reached the customer (the
    action server died, or the backend answered too late); the slots still hold the confirmed
    request. The customer's next "yes" gets the confirmation number of the request already
    filed, and nothing is filed twice."""
    from actions.cancel_flow import ActionAffirmOutsideForm
    from actions.common import idempotency_key

    sender = new_sender()
    slots = await verified_slots("nora", sender)
    slots.update(
        service_id="SVC-8001",
        service_name="Email Suite",
        service_confirmed=True,
        reason="moving",
        backup_confirmed=True,
        end_when="end_of_period",
        final_confirmation=True,
        requested_slot=None,
    )
    started = [{"event": "session_started", "timestamp": 1700000001.0}]
    tracker = make_tracker(slots, sender=sender, text="yes", intent="affirm", events=started)
    # the filing that happened before the crash, exactly as action_cancel_finish sends it
    async with BackendClient.from_env() as c:
        filed = await c.file_cancellation(
            Auth(slots["verification_handle"], sender, "rest"),
            idempotency_key(tracker, "SVC-8001", 0),
            service_id="SVC-8001",
            when="end_of_period",
            reason="moving",
        )
    msgs, _, out = await run(ActionAffirmOutsideForm(), tracker)
    assert f"Confirmation number: {filed['confirmation_number']}" in texts(msgs)
    assert out["cancel_attempt"] == 1.0 and out["final_confirmation"] is None
    # an ordinary "yes" afterwards is just a yes
    slots.update(out)
    msgs, _, _ = await run(
        ActionAffirmOutsideForm(),
        make_tracker(slots, sender=sender, text="yes", intent="affirm", events=started),
    )
    assert texts(msgs) == "What can I help you with?" and "Confirmation number" not in texts(msgs)


async def test_filing_without_an_answer_keeps_the_request_for_a_yes(live_backend, monkeypatch):
    """The backend does not answer in time: the customer is told it is not confirmed yet and
    that "yes" tries again; the confirmed request is kept (not reset)."""
    sender = new_sender()
    slots = await verified_slots("grace", sender)
    slots.update(
        service_id="SVC-3001",
        service_name="Business Voice",
        service_confirmed=True,
        reason="moving",
        backup_confirmed=True,
        end_when="end_of_period",
        final_confirmation=True,
        requested_slot=None,
    )
    monkeypatch.setenv("BACKEND_URL", "http://127.0.0.1:9")  # nothing listens there
    msgs, _, out = await run(ActionCancelFinish(), make_tracker(slots, sender=sender))
    assert "can't confirm yet" in texts(msgs) and 'Say "yes"' in texts(msgs)
    assert "final_confirmation" not in out and "service_id" not in out
