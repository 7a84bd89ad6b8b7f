"""Details given outside any request ("my email is jo@x.example", "account 12345678, zip 02139,
please cancel the office internet", "it's way too expensive, I want out").

The identifier is sent to the backend at once (only the attempt id and markers are kept, as in
every form), a named ZIP or code verifies right away, and a message that asks to cancel or
gives a reason to leave starts the cancellation with all of it.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from contract.vocabulary.identifiers import find_factor, find_identifier
from contract.vocabulary.numbers import find_confirmation
from contract.vocabulary.reasons import find_reason
from contract.vocabulary.requests import REVOKE, STATUS, about_revoking, asked_requests

from . import messages
from .common import MENU_BUTTONS, PROVIDED, is_verified, say
from .fallback import ActionFallback
from .identify import IdentificationMixin
from .listening import (
    latest_intent,
    latest_text,
    offered_buttons,
    offered_intents,
    offered_payloads,
    offered_request,
)

_WANTS_CANCEL = re.compile(
    r"\b(cancel\w*|close (my|the|our) (account|service)|terminate|"
    r"discontinue|shut (it|my \w+) (down|off)|end my (service|account))\b"
    # "I'd like the hosting to end on the 15th", "we want the service stopped"
    r"|\b(want|like|need)\s+(it|(the|my|our|this)\s+[\w -]{1,30}?)\s+(to (end|stop)|ended|stopped"
    r"|terminated)\b",
    re.I,
)


def wants_cancel(text: str) -> bool:
    """The message asks in so many words to cancel or close something."""
    return bool(_WANTS_CANCEL.search(text or ""))


class _Identification(IdentificationMixin):
    """The shared identification steps, used outside a form."""


class ActionTakeDetails(Action):
    """inform / give_reason / affirm outside a form: use what the message holds."""

    def name(self) -> Text:
        return "action_take_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        text = latest_text(tracker)
        slots: Dict[Text, Any] = {}
        identify = _Identification()
        found = find_identifier(text)
        if found and not is_verified(tracker):
            slots.update(await identify.validate_account_identifier(found[1], dispatcher, tracker, domain))
            tracker.slots.update(slots)
        # after "I've noted your details", a bare ZIP or code is the answer (a PIN only where it
        # is asked for: other messages keep 4 digits in clear)
        factor = find_factor(text, asked=bool(tracker.get_slot("verification_attempt_id")))
        if (
            factor
            and len(factor) != 4
            and not is_verified(tracker)
            and tracker.get_slot("verification_attempt_id")
        ):
            slots.update(await identify.validate_verification_factor(factor, dispatcher, tracker, domain))
        events: List[Dict[str, Any]] = [SlotSet(k, v) for k, v in slots.items()]
        if slots.get("flow_stopped"):
            return events + [SlotSet("flow_stopped", None)]
        form = offered_request(tracker)
        if form:  # "yep, keep my hosting" after "... check its status or revoke it?"
            return events + [FollowupAction(form)]
        number = find_confirmation(text)
        if number:  # about a request already filed: its status, or revoking it
            form = "revoke_form" if about_revoking(text) else "status_form"
            return events + [SlotSet("confirmation_number", number), FollowupAction(form)]
        asked = asked_requests(text)
        if (
            latest_intent(tracker) != "give_reason"
            and not wants_cancel(text)
            and (REVOKE in asked or STATUS in asked)
        ):  # "ok then revoke it": the request the assistant just named, or asked for its number
            return events + [FollowupAction("revoke_form" if REVOKE in asked else "status_form")]
        reason = find_reason(text)
        if latest_intent(tracker) == "give_reason" or wants_cancel(text) or (reason and found is None):
            if reason:
                events.append(SlotSet("reason", reason))
            return events + [FollowupAction("cancel_form")]
        if slots.get("account_identifier") == PROVIDED:
            if not slots.get("verified"):
                say(dispatcher, messages.DETAILS_NOTED, MENU_BUTTONS)
            else:
                say(dispatcher, messages.WHAT_TO_DO, MENU_BUTTONS)
            return events
        if (
            latest_intent(tracker) == "affirm"
            and {"check_status", "revoke_cancellation"} <= offered_intents(tracker)
            and any(map(find_confirmation, offered_payloads(tracker)))
        ):  # a bare "yes" to "... (confirmation number ...). Would you like to check its status or
            # revoke it?" (its buttons carry the number; the main menu's do not)
            say(dispatcher, messages.STATUS_OR_REVOKE, offered_buttons(tracker))
            return events
        if latest_intent(tracker) == "affirm":
            say(dispatcher, messages.WHAT_CAN_I_HELP_WITH, MENU_BUTTONS)
            return events
        return events + await ActionFallback(read_details=False).run(dispatcher, tracker, domain)
