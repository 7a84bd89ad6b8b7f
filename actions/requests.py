"""The other requests (design, after step 10): status, revoke, refund, tracking, final bill.

Each is a small form (identification first when the chat is not verified yet) and a finish
action that makes the backend call and tells the customer the answer.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    BackendError,
    BackendUnavailable,
    Conflict,
    InvalidConfirmationNumber,
    InvalidInput,
    NotAuthorized,
    NotFound,
)
from contract.vocabulary.answers import NO, YES, read_yes_no
from contract.vocabulary.numbers import (
    find_confirmation,
    find_confirmations,
    find_money,
    find_tracking,
    normalize_confirmation,
    parse_amount,
)
from contract.vocabulary.reasons import find_reason
from contract.vocabulary.requests import (
    BALANCE,
    CANCEL,
    EQUIPMENT,
    REFUND,
    asked_requests,
    refund_reason_in,
)

from . import messages
from .common import (
    EXPIRED_TEXT,
    FLOW_SLOTS,
    REQUEST_SLOTS,
    UNAVAILABLE_TEXT,
    StopWordsMixin,
    auth_for,
    client,
    forget_verification,
    forget_verification_dict,
    is_pending,
    money,
    reset,
    say,
    service_label,
    step_key,
)
from .identify import IdentificationMixin
from .listening import (
    courtesy_answer,
    earlier_user_texts,
    is_question,
    last_reply,
    latest_text,
    offered_payloads,
    refuse,
    request_texts,
    requested,
    stated_confirmation,
)

# The confirmation number slot's candidate when none was said: the account's open request.
OPEN_REQUEST = "[open request]"


def _normalise_confirmation(value: Any) -> Optional[str]:
    """The confirmation number in what was typed (rules: `contract.vocabulary.numbers`)."""
    text = str(value or "")
    return normalize_confirmation(text) or find_confirmation(text)


class _RequestForm(StopWordsMixin, IdentificationMixin, FormValidationAction):
    """Identification, then the form's own slots."""

    @abstractmethod
    def name(self) -> Text: ...

    own_slots: List[Text] = []

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        if tracker.get_slot("flow_stopped"):
            return []
        return self.identification_slots(tracker) + list(self.own_slots)

    async def extract_confirmation_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A confirmation number in this message (an answer with extra words, a button) or in
        an earlier one ("it's ABCD-EFGH-JKLM from my first message")."""
        if "confirmation_number" not in self.own_slots or tracker.get_slot("confirmation_number"):
            return {}
        entity = next(tracker.get_latest_entity_values("confirmation_number"), None)
        number = _normalise_confirmation(entity) if entity else None
        text = latest_text(tracker)
        if number and not text.startswith("/") and number not in find_confirmations(text):
            number = None  # the extractor's guess inside a tracking number ("9400 1118 9922 ...")
        number = number or find_confirmation(text)
        if number is None and requested(tracker) != "confirmation_number":
            number = next(filter(None, map(find_confirmation, earlier_user_texts(tracker))), None)
            if number is None:
                # typed instead of pressing the button just offered for one request ("... already
                # has a cancellation request (...). Would you like to check its status or revoke it?")
                offered = {n for n in map(find_confirmation, offered_payloads(tracker)) if n}
                number = offered.pop() if len(offered) == 1 else None
            # "can you reverse that cancellation?" right after the assistant gave its number
            number = number or stated_confirmation(tracker)
            if number is None and auth_for(tracker) is not None:
                number = OPEN_REQUEST  # the account's open request: looked up by the validation
        return {"confirmation_number": number} if number else {}

    async def after_verified(self, dispatcher, tracker, auth) -> Dict[Text, Any]:
        if "confirmation_number" not in self.own_slots or tracker.get_slot("confirmation_number"):
            return {}
        return await self._open_request(dispatcher, tracker, auth)

    async def _open_request(self, dispatcher, tracker, auth) -> Dict[Text, Any]:
        """No number said: the account's one open cancellation request is the one meant; with
        none open that is the answer (a number from an earlier, ended request can still be
        typed); with several, the customer is asked which."""
        try:
            async with client() as backend:
                services = await backend.services(auth)
        except BackendError:
            return {"confirmation_number": None}  # asked for instead
        numbers = [
            str(dict(s.get("pending_cancellation") or {}).get("confirmation_number") or "")
            for s in services
            if is_pending(s)
        ]
        if len(numbers) == 1 and numbers[0]:
            return {"confirmation_number": numbers[0]}
        if not numbers:
            say(dispatcher, messages.NO_OPEN_REQUEST)
            return {"confirmation_number": None, "flow_stopped": "not_found"}
        return {"confirmation_number": None}

    async def _lookup(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """Check a confirmation number with the backend; re-ask when malformed."""
        auth = auth_for(tracker)
        if value == OPEN_REQUEST and auth is not None:
            return await self._open_request(dispatcher, tracker, auth)
        number = _normalise_confirmation(value)
        if number is None:
            refuse(dispatcher, tracker, messages.NOT_A_CONFIRMATION_NUMBER)
            return {"confirmation_number": None}
        if auth is None:
            return {"confirmation_number": number}
        try:
            async with client() as backend:
                await backend.get_cancellation(auth, number)
        except InvalidConfirmationNumber:
            say(dispatcher, messages.CONFIRMATION_CHECK_FAILED)
            return {"confirmation_number": None}
        except NotFound:
            say(dispatcher, messages.REQUEST_NOT_FOUND_CHECK.format(number=number))
            return {"confirmation_number": None, "flow_stopped": "not_found"}
        except NotAuthorized:
            say(dispatcher, EXPIRED_TEXT)
            return {"confirmation_number": number, **forget_verification_dict()}
        except BackendError:
            say(dispatcher, UNAVAILABLE_TEXT)
            return {"confirmation_number": None, "flow_stopped": "unavailable"}
        return {"confirmation_number": number}


class ValidateStatusForm(_RequestForm):
    own_slots = ["confirmation_number"]

    def name(self) -> Text:
        return "validate_status_form"

    async def validate_confirmation_number(self, value, dispatcher, tracker, domain):
        return await self._lookup(value, dispatcher, tracker)


class ValidateRevokeForm(_RequestForm):
    own_slots = ["confirmation_number", "revoke_confirmed"]

    def name(self) -> Text:
        return "validate_revoke_form"

    async def validate_confirmation_number(self, value, dispatcher, tracker, domain):
        return await self._lookup(value, dispatcher, tracker)

    async def extract_revoke_confirmed(self, dispatcher, tracker, domain):
        """ "yes, we want to keep the service after all" / "no, leave it cancelled", whatever
        intent the classifier chose (keeping the service is a yes to revoking)."""
        text = latest_text(tracker)
        if requested(tracker) != "revoke_confirmed" or text.startswith("/"):
            return {}
        answer = read_yes_no(text, "revoke_confirmed")
        return {"revoke_confirmed": answer == YES} if answer in (YES, NO) else {}

    async def validate_revoke_confirmed(self, value, dispatcher, tracker, domain):
        if value is True:
            return {"revoke_confirmed": True}
        return {"revoke_confirmed": False, "flow_stopped": "declined"}


class ValidateTrackingForm(_RequestForm):
    own_slots = ["confirmation_number", "tracking_number"]

    def name(self) -> Text:
        return "validate_tracking_form"

    async def validate_confirmation_number(self, value, dispatcher, tracker, domain):
        return await self._lookup(value, dispatcher, tracker)

    async def extract_tracking_number(self, dispatcher, tracker, domain):
        if tracker.get_slot("tracking_number"):
            return {}
        found = find_tracking(latest_text(tracker))
        return {"tracking_number": found} if found else {}

    async def validate_tracking_number(self, value, dispatcher, tracker, domain):
        entity = next(tracker.get_latest_entity_values("tracking_number"), None)
        text = str(entity or value or "").strip()
        token = find_tracking(text) or max(re.findall(r"[A-Za-z0-9]{8,40}", text), key=len, default=None)
        if token is None:
            refuse(dispatcher, tracker, messages.NOT_A_TRACKING_NUMBER)
            return {"tracking_number": None}
        return {"tracking_number": token.upper()}


class ValidateRefundForm(_RequestForm):
    own_slots = ["refund_amount", "refund_reason"]

    def name(self) -> Text:
        return "validate_refund_form"

    async def extract_refund_amount(self, dispatcher, tracker, domain):
        """An amount in this message or an earlier one ("I want a refund of $25")."""
        if tracker.get_slot("refund_amount"):
            return {}
        if requested(tracker) == "refund_amount":
            amount = None if is_question(tracker) else _parse_amount(latest_text(tracker))
            return {"refund_amount": amount} if amount else {}
        for text in request_texts(tracker):  # written as money: "$25", "a refund of 25.00"
            amount = find_money(text)
            if amount is not None:
                return {"refund_amount": str(amount.quantize(Decimal("0.01")))}
        return {}

    async def validate_refund_amount(self, value, dispatcher, tracker, domain):
        entity = next(tracker.get_latest_entity_values("amount"), None)
        amount = _parse_amount(entity) or _parse_amount(value)
        if amount is None:
            refuse(dispatcher, tracker, messages.NOT_AN_AMOUNT)
            return {"refund_amount": None}
        return {"refund_amount": amount}

    async def extract_refund_reason(self, dispatcher, tracker, domain):
        """Any sentence answers "why is the refund due?", whatever intent it was read as; a
        reason given with the request ("I was double charged $39.95 and want it back") is used."""
        text = latest_text(tracker)
        if requested(tracker) != "refund_reason":
            if tracker.get_slot("refund_reason"):
                return {}
            found = next(filter(None, map(refund_reason_in, request_texts(tracker))), None)
            return {"refund_reason": found} if found else {}
        if courtesy_answer(dispatcher, text):  # "ok thanks" is not why
            return {"refund_reason": None}
        if tracker.slots_to_validate().get("refund_reason"):
            return {}
        if text.startswith("/") or text.rstrip().endswith("?") or len(text.split()) < 2:
            return {}
        return {"refund_reason": text}

    async def validate_refund_reason(self, value, dispatcher, tracker, domain):
        if value is None:  # no answer (a thank-you): the question is asked again
            return {"refund_reason": None}
        text = " ".join(str(value or "").split())[:500]
        if len(text) < 3:
            say(dispatcher, messages.REFUND_REASON_TOO_SHORT)
            return {"refund_reason": None}
        return {"refund_reason": text}


class ValidateBillForm(_RequestForm):
    own_slots: List[Text] = []

    def name(self) -> Text:
        return "validate_bill_form"


def _parse_amount(value: Any) -> Optional[str]:
    amount = parse_amount(value)
    return str(amount.quantize(Decimal("0.01"))) if amount is not None else None


# ---------------------------------------------------------------------------- questions


class ActionAskConfirmationNumber(Action):
    def name(self) -> Text:
        return "action_ask_confirmation_number"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, messages.ASK_CONFIRMATION_NUMBER)
        return []


class ActionAskRevokeConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_revoke_confirmed"

    async def run(self, dispatcher, tracker, domain):
        number = tracker.get_slot("confirmation_number")
        found = None
        auth = auth_for(tracker)
        if auth is not None and number:
            try:
                async with client() as backend:
                    found = await backend.get_cancellation(auth, number)
            except BackendError:
                found = None
        say(dispatcher, messages.revoke_question(number, found), messages.REVOKE_BUTTONS)
        return []


class ActionAskTrackingNumber(Action):
    def name(self) -> Text:
        return "action_ask_tracking_number"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, messages.ASK_TRACKING_NUMBER)
        return []


class ActionAskRefundAmount(Action):
    def name(self) -> Text:
        return "action_ask_refund_amount"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, messages.ASK_REFUND_AMOUNT)
        return []


class ActionAskRefundReason(Action):
    def name(self) -> Text:
        return "action_ask_refund_reason"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, messages.ASK_REFUND_REASON)
        return []


# ---------------------------------------------------------------------------- finish actions


class _Finish(Action, ABC):
    """Common end of a request form: stop messages, expired handle, slot reset."""

    @abstractmethod
    def name(self) -> Text: ...

    async def do(self, dispatcher, tracker, auth) -> List[Dict[str, Any]]:
        raise NotImplementedError

    # Whether a cancellation asked for in the same messages starts once this request is done
    # (not after a revoke: revoking one request and filing one at once contradict each other).
    leads_on = True

    async def run(self, dispatcher, tracker, domain):
        events: List[Dict[str, Any]] = []
        stopped = tracker.get_slot("flow_stopped")
        auth = auth_for(tracker)
        done = False
        if stopped == "declined":
            say(dispatcher, messages.NOTHING_CHANGED)
        elif stopped:
            pass  # already explained when it happened
        elif auth is None:
            say(dispatcher, EXPIRED_TEXT)
        else:
            try:
                events += await self.do(dispatcher, tracker, auth)
                done = True
            except NotAuthorized:
                say(dispatcher, EXPIRED_TEXT)
                events += forget_verification()
            except BackendUnavailable:
                say(dispatcher, UNAVAILABLE_TEXT)
        # (the request's slots are cleared first: what `do` sets is for the request it leads to)
        events = reset(REQUEST_SLOTS + FLOW_SLOTS) + events
        if done and self.leads_on and not any(e.get("event") == "followup" for e in events):
            events += also_asked_to_cancel(tracker)
        return events


def also_asked_to_cancel(tracker: Tracker) -> List[Dict[str, Any]]:
    """ "what's my balance, and can I cancel the voice service?": the cancellation asked for in
    the messages of the request just answered starts now, with what they say (the service named
    and a reason are read from the same messages by the cancellation form)."""
    texts = request_texts(tracker)
    if not any(CANCEL in asked_requests(text) for text in texts):
        return []
    reason = next(filter(None, map(find_reason, texts)), None)
    return ([SlotSet("reason", reason)] if reason else []) + [FollowupAction("cancel_form")]


class ActionStatusFinish(_Finish):
    def name(self) -> Text:
        return "action_status_finish"

    async def do(self, dispatcher, tracker, auth):
        number = tracker.get_slot("confirmation_number")
        try:
            async with client() as backend:
                c = await backend.get_cancellation(auth, number)
        except (NotFound, InvalidConfirmationNumber):
            say(dispatcher, messages.REQUEST_NOT_FOUND.format(number=number))
            return []
        text = messages.status_text(c)
        if text in last_reply(tracker):  # asked again right after the answer: said so, not parroted
            text = messages.STATUS_UNCHANGED.format(status=text)
        say(dispatcher, text)
        return []


class ActionRevokeFinish(_Finish):
    leads_on = False

    def name(self) -> Text:
        return "action_revoke_finish"

    async def do(self, dispatcher, tracker, auth):
        number = tracker.get_slot("confirmation_number")
        try:
            async with client() as backend:
                c = await backend.revoke_cancellation(
                    auth, number, idempotency_key=step_key(tracker, "revoke", number)
                )
        except Conflict as exc:
            say(
                dispatcher,
                messages.CANNOT_REVOKE.format(
                    number=number, why=messages.refusal(exc, messages.CANNOT_REVOKE_WHY)
                ),
            )
            return []
        except (NotFound, InvalidConfirmationNumber):
            say(dispatcher, messages.REQUEST_NOT_FOUND.format(number=number))
            return []
        service = c.get("service") or {}
        say(
            dispatcher,
            messages.REVOKED.format(number=c.get("confirmation_number"), service=service_label(service)),
        )
        return []


class ActionTrackingFinish(_Finish):
    def name(self) -> Text:
        return "action_tracking_finish"

    async def do(self, dispatcher, tracker, auth):
        number = tracker.get_slot("confirmation_number")
        tracking = tracker.get_slot("tracking_number")
        try:
            async with client() as backend:
                result = await backend.report_tracking(
                    auth, number, tracking, idempotency_key=step_key(tracker, "tracking", number)
                )
        except (NotFound, InvalidConfirmationNumber):
            say(dispatcher, messages.REQUEST_NOT_FOUND.format(number=number))
            return []
        except (Conflict, InvalidInput) as exc:
            why = messages.refusal(exc, messages.REFUSED_WHY)
            say(dispatcher, messages.TRACKING_REFUSED.format(why=why))
            return []
        models = ", ".join(str(e.get("model")) for e in result.get("equipment") or [])
        say(dispatcher, messages.tracking_recorded(tracking, models))
        return []


class ActionRefundFinish(_Finish):
    def name(self) -> Text:
        return "action_refund_finish"

    async def do(self, dispatcher, tracker, auth):
        amount = tracker.get_slot("refund_amount")
        try:
            async with client() as backend:
                result = await backend.request_refund(
                    auth,
                    amount,
                    tracker.get_slot("refund_reason"),
                    tracker.get_slot("service_id"),
                    idempotency_key=step_key(tracker, "refund", amount, tracker.get_slot("service_id")),
                )
        except (InvalidInput, Conflict) as exc:
            why = messages.refusal(exc, messages.REFUSED_WHY)
            say(dispatcher, messages.REFUND_REFUSED.format(why=why))
            return []
        shown = money(result.get("amount", amount))
        template = (
            messages.REFUND_CREDITED
            if result.get("status") == "credit_processing"
            else messages.REFUND_IN_REVIEW
        )
        # (the backend's `message` says the same in other words: one apology, not two)
        say(dispatcher, template.format(amount=shown))
        return []


class ActionBillFinish(_Finish):
    def name(self) -> Text:
        return "action_bill_finish"

    async def do(self, dispatcher, tracker, auth):
        texts = request_texts(tracker)
        asked = {name for text in texts for name in asked_requests(text)}
        if REFUND in asked and BALANCE not in asked:
            # "I was double charged $39.95 and want it back" read as a balance question: the
            # words ask for a refund, so that is what is done, with the amount and reason given
            amount = next(filter(None, map(find_money, texts)), None)
            reason = next(filter(None, map(refund_reason_in, texts)), None)
            return [
                SlotSet("refund_amount", str(amount.quantize(Decimal("0.01"))) if amount else None),
                SlotSet("refund_reason", reason),
                FollowupAction("refund_form"),
            ]
        say(dispatcher, await balance_text(auth, tracker.get_slot("service_id")))
        if EQUIPMENT in asked:  # "what's my final bill, and how do I return the modem?"
            say(dispatcher, await equipment_text(auth, tracker.get_slot("service_id")))
        return []


async def balance_text(auth, service_id: Optional[str]) -> str:
    """What the customer owes and, when a service is chosen, its final bill."""
    async with client() as backend:
        balance = await backend.balance(auth)
        quote: Sequence[Mapping[str, Any]] = []
        if service_id:
            try:
                quote = await backend.quote(auth, service_id, "end_of_period")
            except BackendError:
                quote = []
    return messages.balance_text(balance, quote[0] if quote else None)


async def equipment_text(auth, service_id: Optional[str]) -> str:
    """The leased devices to return (of the chosen service, else of the account) and how."""
    async with client() as backend:
        eq = await backend.equipment(auth, service_id)
    devices = eq.get("equipment") or []
    if not devices:
        return messages.NO_EQUIPMENT_FOR_SERVICE if service_id else messages.NO_EQUIPMENT_ON_ACCOUNT
    return messages.equipment_answer(devices, eq.get("return_window_days", 30))
