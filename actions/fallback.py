"""Misunderstandings, stopping a form, the fast path and switching to a cancellation."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.backend_client import BackendError
from contract.vocabulary.answers import clarification
from contract.vocabulary.requests import REVOKE, STATUS, asked_requests

from . import messages, report_events
from .common import (
    CANCEL_SLOTS,
    FLOW_SLOTS,
    MENU_BUTTONS,
    REQUEST_SLOTS,
    auth_for,
    client,
    reset,
    say,
    step_key,
)
from .listening import (
    answers_to_this_question,
    clarify_answer,
    last_finished_request,
    means_fast_track,
    offered_request,
    wants_other,
)

LONG_MESSAGE = 250


class ActionFallback(Action):
    """nlu_fallback and out_of_scope: a short honest answer and a way back; the second
    misunderstanding in a row offers a person. ``misunderstood_count`` is reset to 0 by the
    slot mapping on every understood turn (domain.yml)."""

    def __init__(self, read_details: bool = True) -> None:
        # False when action_take_details has read the message already and found nothing to use
        self.read_details = read_details

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher, tracker, domain):
        count = int(tracker.get_slot("misunderstood_count") or 0) + 1
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.active_loop_name is None:
            # "now the other one too" after a cancellation: read against what was just done
            if wants_other(text) and last_finished_request(tracker) == "action_cancel_finish":
                return [FollowupAction("cancel_form")]
            from contract.vocabulary.identifiers import find_identifier
            from contract.vocabulary.numbers import find_confirmation

            from .details import ActionTakeDetails, wants_cancel

            # not understood as a whole, but it holds account details, names a request button just
            # offered, asks in so many words for a status or a revoke ("revoke it" right after
            # filing) or (at length, or when the classifier hesitated) asks to cancel: use that
            if self.read_details and (
                find_identifier(text)
                or find_confirmation(text)
                or offered_request(tracker)
                or bool({REVOKE, STATUS} & set(asked_requests(text)))
                or (wants_cancel(text) and (len(text) > LONG_MESSAGE or intent == "nlu_fallback"))
            ):
                return await ActionTakeDetails().run(dispatcher, tracker, domain)
        # a question about the question ("what?", "why do you need my zip?", "is this safe?"):
        # explained, not "I didn't understand"; still counted, so a second one in a row offers
        # a person
        if tracker.active_loop_name is not None and clarify_answer(dispatcher, tracker, person=count >= 2):
            return [SlotSet("misunderstood_count", float(count))]
        kind = None if text.startswith("/") else clarification(text)
        # outside a form: the menu; a second one in a row offers a person (below) unless it asks
        # whether this is safe
        if tracker.active_loop_name is None and kind is not None and (count < 2 or kind == "safe"):
            opening = messages.CLARIFY_SAFE + " " if kind == "safe" else ""
            say(dispatcher, opening + messages.CLARIFY_MENU, MENU_BUTTONS)
            return [SlotSet("misunderstood_count", float(count))]
        report_events.note(tracker, "misunderstood")
        if len(text) > LONG_MESSAGE:
            opening = messages.NOT_UNDERSTOOD_LONG
        elif intent == "out_of_scope":
            opening = messages.NOT_IN_SCOPE
        else:
            opening = messages.NOT_UNDERSTOOD
        in_form = tracker.active_loop_name is not None
        if count >= 2 or (in_form and answers_to_this_question(tracker) >= 2):
            say(
                dispatcher,
                (messages.OFFER_PERSON_IN_FORM if in_form else messages.OFFER_PERSON).format(opening=opening),
                [messages.PERSON_BUTTON] + ([] if in_form else messages.MENU_WITHOUT_PERSON),
            )
        elif in_form:
            say(dispatcher, messages.CARRY_ON.format(opening=opening))
        else:
            say(dispatcher, messages.WHAT_I_CAN_DO.format(opening=opening), MENU_BUTTONS)
        return [SlotSet("misunderstood_count", float(count))]


class ActionBotChallenge(Action):
    """ "are you a bot?" outside a form; "is this chat secure?" (which the classifier may take
    for one) is a worry about safety, answered as such with what the assistant can do."""

    def name(self) -> Text:
        return "action_bot_challenge"

    async def run(self, dispatcher, tracker, domain):
        text = tracker.latest_message.get("text") or ""
        if not text.startswith("/") and clarification(text) == "safe":
            say(dispatcher, messages.CLARIFY_SAFE + " " + messages.CLARIFY_MENU, MENU_BUTTONS)
        else:
            dispatcher.utter_message(response="utter_iamabot")
        return []


class ActionStopForm(Action):
    """The customer stops the current request: nothing is filed, no one is trapped."""

    def name(self) -> Text:
        return "action_stop_form"

    async def run(self, dispatcher, tracker, domain):
        if tracker.active_loop_name == "cancel_form":
            report_events.note(tracker, "stopped")
        say(dispatcher, messages.STOPPED, MENU_BUTTONS)
        return [ActiveLoop(None)] + reset(CANCEL_SLOTS + REQUEST_SLOTS + FLOW_SLOTS)


class ActionFastTrack(Action):
    """ "Just cancel it": skip the optional steps and go to the summary. A pending offer
    counts as declined."""

    def name(self) -> Text:
        return "action_fast_track"

    async def run(self, dispatcher, tracker, domain):
        if not tracker.get_slot("fast_track") and not means_fast_track(tracker):
            # "can I cancel it?": a wish to cancel, not to skip the questions
            if tracker.active_loop_name == "cancel_form":
                dispatcher.utter_message(response="utter_already_cancelling")
            return []
        events = [SlotSet("fast_track", True)]
        auth = auth_for(tracker)
        offer_id = tracker.get_slot("offer_id")
        if auth is not None and offer_id and not tracker.get_slot("offer_response"):
            try:
                async with client() as backend:
                    await backend.offer_outcome(
                        auth, offer_id, False, idempotency_key=step_key(tracker, "offer_outcome", offer_id)
                    )
                events.append(SlotSet("offer_response", "declined"))
            except BackendError:
                pass
        if tracker.active_loop_name == "cancel_form" and not tracker.get_slot("fast_track"):
            say(dispatcher, messages.FAST_TRACK)
        return events


class ActionSwitchToCancel(Action):
    """The customer wants to cancel in the middle of another request: that request stops and
    the cancellation starts (verification is kept)."""

    def name(self) -> Text:
        return "action_switch_to_cancel"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, messages.SWITCH_TO_CANCEL)
        return [ActiveLoop(None)] + reset(REQUEST_SLOTS + FLOW_SLOTS)
