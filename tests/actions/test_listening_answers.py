"""Answers read against the question asked, over the real backend (issue 10, dev2): an
ambiguous yes at a re-asked offer question, a corrected end date at the summary, a change of
mind, "no, I meant the other service", "can I cancel it?" and ordinals that are dates."""

from datetime import date

from dateutil.relativedelta import relativedelta

from actions.backend_client import Auth, BackendClient
from actions.cancel_flow import ValidateCancelForm
from actions.fallback import ActionFastTrack
from actions.listening import match_services, means_fast_track
from actions.settings import company_today

from .conftest import button_payloads, make_tracker, new_sender, run, texts, utter, validate, verified_slots

FORM = "cancel_form"


def _user(text, intent="inform"):
    return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}}}


async def _offered(service_id="SVC-6001"):
    """Kim, verified, service chosen, reason price, the backend's offer made (its SlotSet event
    in the history, as the form leaves it)."""
    sender = new_sender()
    slots = await verified_slots("kim", sender)
    async with BackendClient.from_env() as c:
        offer = await c.make_offer(Auth(slots["verification_handle"], sender, "rest"), service_id, "price")
    slots.update(
        service_id=service_id,
        service_name="Office Internet",
        service_confirmed=True,
        reason="price",
        offer_id=offer["id"],
        offer_title=offer["title"],
        offer_description=offer["description"],
        requested_slot="offer_response",
    )
    history = [
        _user("too expensive", "give_reason"),
        {"event": "slot", "name": "offer_id", "value": offer["id"]},
    ]
    return sender, slots, history


def _turn(sender, slots, text, intent="inform", set_now=None, events=None):
    return make_tracker(
        slots, sender=sender, text=text, intent=intent, active_loop=FORM, set_now=set_now, events=events
    )


async def test_yes_go_ahead_at_a_reasked_offer_question_asks_which(live_backend):
    sender, slots, history = await _offered()
    # "yes all backed up" answered first: the offer question was asked again
    history.append(_user("yes all backed up", "affirm"))
    msgs, _, out = await validate(
        ValidateCancelForm(),
        _turn(sender, slots, "yes go ahead", "affirm", {"offer_response": "accepted"}, history),
    )
    assert out["offer_response"] is None and out["offer_unclear"] is True
    assert out["requested_slot"] == "offer_response" and "now applied" not in texts(msgs)

    slots["offer_unclear"] = True
    question = await utter("utter_ask_offer_response", slots)
    assert (
        "offer (25% off for 6 months) and keep your service, or should I go ahead with the cancellation"
        in (texts(question))
    )
    assert button_payloads(question) == ["/affirm", "/deny"]

    history.append(_user("yes go ahead", "affirm"))
    msgs, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, "the cancellation", "cancel_service", events=history)
    )
    assert out["offer_response"] == "declined" and out["offer_unclear"] is None
    assert "Let's continue" in texts(msgs) and out["requested_slot"] == "backup_confirmed"


async def test_a_yes_to_cancelling_at_the_offer_declines_it(live_backend):
    sender, slots, history = await _offered()
    msgs, _, out = await validate(
        ValidateCancelForm(),
        _turn(sender, slots, "yes cancel it", "affirm", {"offer_response": "accepted"}, history),
    )
    assert out["offer_response"] == "declined" and "now applied" not in texts(msgs)


async def test_a_plain_yes_at_the_offer_asked_once_takes_it(live_backend):
    sender, slots, history = await _offered("SVC-6002")
    msgs, _, out = await validate(
        ValidateCancelForm(),
        _turn(sender, slots, "yes please", "affirm", {"offer_response": "accepted"}, history),
    )
    assert out["offer_response"] == "accepted" and out["flow_stopped"] == "offer_accepted"
    assert "now applied to Office Internet" in texts(msgs)


async def _at_summary():
    sender = new_sender()
    slots = await verified_slots("kim", sender)
    slots.update(
        service_id="SVC-6001",
        service_name="Office Internet",
        service_confirmed=True,
        reason="skipped",
        backup_confirmed=True,
        end_when="date",
        end_date=(company_today() + relativedelta(months=1)).replace(day=15).isoformat(),
        requested_slot="final_confirmation",
    )
    return sender, slots


async def test_a_corrected_date_at_the_summary_changes_the_date(live_backend):
    sender, slots = await _at_summary()
    msgs, _, out = await validate(
        ValidateCancelForm(),
        _turn(
            sender, slots, "no sorry I meant the 20th of next month", "deny", {"final_confirmation": False}
        ),
    )
    wanted: date = (company_today() + relativedelta(months=1)).replace(day=20)
    assert out["end_when"] == "date" and out["end_date"] == wanted.isoformat()
    assert out.get("flow_stopped") is None and out["final_confirmation"] is None
    assert out["requested_slot"] == "final_confirmation"
    assert "haven't cancelled" not in texts(msgs)


async def test_a_plain_or_negated_no_at_the_summary_files_nothing(live_backend):
    sender, slots = await _at_summary()
    for text in ("no", "no, not today"):
        _, _, out = await validate(
            ValidateCancelForm(), _turn(sender, slots, text, "deny", {"final_confirmation": False})
        )
        assert out["flow_stopped"] == "declined", text


async def test_a_change_of_mind_stops_the_cancellation(live_backend):
    sender = new_sender()
    slots = await verified_slots("kim", sender)
    slots.update(
        service_id="SVC-6001", service_confirmed=True, reason="skipped", requested_slot="backup_confirmed"
    )
    msgs, _, out = await validate(
        ValidateCancelForm(),
        _turn(
            sender,
            slots,
            "hmm actually no, I'll keep the service for now",
            "deny",
            {"backup_confirmed": False},
        ),
    )
    assert out["flow_stopped"] == "user_stopped" and "Nothing has been changed" in texts(msgs)
    assert "back up what you need" not in texts(msgs)


async def test_another_service_named_at_the_confirmation_is_said(live_backend):
    sender = new_sender()
    slots = await verified_slots("kim", sender)
    slots.update(service_id="SVC-6001", service_name="Office Internet", requested_slot="service_confirmed")
    msgs, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, "oh no sorry, I meant the website hosting", "deny")
    )
    assert out["service_id"] == "SVC-6003" and out["service_confirmed"] is True
    assert "Okay, Website Hosting (SVC-6003) then." in texts(msgs)


def test_a_question_about_cancelling_is_no_fast_track():
    def tracker(text):
        return make_tracker({}, text=text, intent="cancel_now", active_loop=FORM)

    assert not means_fast_track(tracker("can I cancel it?"))
    assert not means_fast_track(tracker("could you cancel my hosting"))
    assert means_fast_track(tracker("can you just cancel it?"))
    assert means_fast_track(tracker("cancel it now"))
    assert means_fast_track(tracker("/cancel_now"))


async def test_fast_track_action_carries_on_for_a_question():
    msgs, _, out = await run(
        ActionFastTrack(), make_tracker({}, text="can I cancel it?", intent="cancel_now", active_loop=FORM)
    )
    assert out == {} and [m.get("response") for m in msgs] == ["utter_already_cancelling"]
    msgs, _, out = await run(
        ActionFastTrack(), make_tracker({}, text="just cancel it", intent="cancel_now", active_loop=FORM)
    )
    assert out == {"fast_track": True}


def test_an_ordinal_in_a_date_chooses_no_service():
    services = [{"id": "SVC-1", "name": "Home Internet"}, {"id": "SVC-2", "name": "Cloud Backup"}]
    ids = lambda text: [s["id"] for s in match_services(services, text)]  # noqa: E731
    assert ids("cancel home internet on the last day of next month") == ["SVC-1"]
    assert ids("on the 1st of next month") == []
    assert ids("the last one") == ["SVC-2"]
    assert ids("the second one please") == ["SVC-2"]
    assert ids("first") == ["SVC-1"]


async def test_an_unreadable_end_answer_is_refused_with_the_choices_whatever_its_intent(live_backend):
    """ "blue" at the end question, read as out of scope, or a bare "yes": the end refusal with
    the three choices as buttons (not the generic "not something I can help with" and the whole
    question again); a question of the customer's own keeps its route."""
    sender, slots = await _at_summary()
    slots.update(end_when=None, end_date=None, requested_slot="end_when")
    for text, intent in (("blue", "out_of_scope"), ("yes", "affirm")):
        msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, text, intent))
        assert out.get("end_when") is None, text
        assert "didn't get that" in texts(msgs).lower(), text
        assert '/inform{"end_when":"immediate"}' in button_payloads(msgs), text
    msgs, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, "what's the weather?", "out_of_scope")
    )
    assert "didn't get that" not in texts(msgs).lower()


async def _chosen(requested_slot, **extra):
    """Erin, verified, her one service chosen, the cancellation at ``requested_slot``."""
    sender = new_sender()
    slots = await verified_slots("erin", sender)
    slots.update(service_id="SVC-1001", service_confirmed=True, requested_slot=requested_slot, **extra)
    return sender, slots


async def test_huh_at_the_backup_question_is_explained_not_a_yes(live_backend):
    sender, slots = await _chosen("backup_confirmed", reason="skipped")
    # the classifier took "huh" for affirm and its mapping filled the slot: undone, explained
    msgs, _, out = await validate(
        ValidateCancelForm(), _turn(sender, slots, "huh", "affirm", {"backup_confirmed": True})
    )
    assert out.get("backup_confirmed") is None
    assert "saved what you need" in texts(msgs)


async def test_not_sure_at_the_end_question_explains_the_choices(live_backend):
    sender, slots = await _chosen("end_when", reason="skipped", backup_confirmed=True)
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, "not sure", "deny"))
    assert out.get("end_when") is None
    said = texts(msgs)
    assert "right away" in said and "didn't get that" not in said


async def test_yes_and_keyboard_mash_at_the_reason_question_are_no_reason(live_backend):
    for text, intent, said in (
        ("yes", "affirm", "Go ahead"),
        ("asdfjkl", "give_reason", "didn't understand"),
    ):
        sender, slots = await _chosen("reason")
        msgs, _, out = await validate(
            ValidateCancelForm(), _turn(sender, slots, text, intent, {"reason": text})
        )
        assert out.get("reason") is None, text
        assert said in texts(msgs)


async def test_as_late_as_possible_is_the_backends_latest_end(live_backend):
    sender, slots = await _chosen("end_when", reason="skipped", backup_confirmed=True)
    msgs, _, out = await validate(ValidateCancelForm(), _turn(sender, slots, "as late as possible"))
    async with BackendClient.from_env() as c:
        latest = await c.latest_end_date(Auth(slots["verification_handle"], sender, "rest"), "SVC-1001")
    assert out["end_when"] == "date" and out["end_date"] == latest
