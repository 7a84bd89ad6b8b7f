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
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.client import (
    BackendError,
    BackendUnavailable,
    Conflict,
    InvalidConfirmationNumber,
    InvalidInput,
    NotAuthorized,
    NotFound,
)
from contract.vocabulary.dates import human_date
from contract.vocabulary.numbers import (
    find_confirmation,
    find_tracking,
    normalize_confirmation,
    parse_amount,
)

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
    is_positive,
    money,
    reset,
    say,
    service_label,
    step_key,
)
from .identify import IdentificationMixin
from .listening import earlier_user_texts, is_question, latest_text, refuse, requested

STATUS_WORDS = {
    "received": "received and being processed",
    "revoked": "revoked: the service stays active",
    "completed": "completed",
}


def _normalise_confirmation(value: Any) -> Optional[str]:
    """The confirmation number in what was typed (rules: `contract.vocabulary.numbers`)."""
    text = str(value or "")
    return normalize_confirmation(text) or find_confirmation(text)


def _status_text(c: Dict[str, Any]) -> str:
    service = c.get("service") or {}
    code = str(c.get("status") or "")
    status = STATUS_WORDS.get(code, code)
    text = (
        f"Request {c.get('confirmation_number')} for {service_label(service)} is {status}. "
        f"Received {human_date(str(c.get('received_at') or '')[:10] or None)}; it ends on "
        f"{human_date(c.get('end_date'))}."
    )
    if c.get("status") == "received" and c.get("return_deadline") and c.get("equipment"):
        text += f" Equipment is due back by {human_date(c.get('return_deadline'))}."
    return text


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
        number = number or find_confirmation(latest_text(tracker))
        if number is None and requested(tracker) != "confirmation_number":
            number = next(filter(None, map(find_confirmation, earlier_user_texts(tracker))), None)
        return {"confirmation_number": number} if number else {}

    async def _lookup(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        """Check a confirmation number with the backend; re-ask when malformed."""
        number = _normalise_confirmation(value)
        if number is None:
            refuse(
                dispatcher,
                tracker,
                "A confirmation number has 12 letters and digits, like "
                "ABCD-EFGH-JKLM. Could you type it again?",
            )
            return {"confirmation_number": None}
        auth = auth_for(tracker)
        if auth is None:
            return {"confirmation_number": number}
        try:
            async with client() as backend:
                await backend.get_cancellation(auth, number)
        except InvalidConfirmationNumber:
            say(
                dispatcher,
                "That confirmation number doesn't check out; a character may be "
                "mistyped. Could you type it again?",
            )
            return {"confirmation_number": None}
        except NotFound:
            say(
                dispatcher,
                f"I couldn't find a request {number} on this account. Please check "
                "the number in your receipt.",
            )
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
            refuse(
                dispatcher,
                tracker,
                "A tracking number is usually 8 to 40 letters and digits. Could you type it again?",
            )
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
        for text in [latest_text(tracker), *earlier_user_texts(tracker)]:
            if "$" in text or requested(tracker) == "refund_amount":
                amount = _parse_amount(text)
                if amount and not (requested(tracker) == "refund_amount" and is_question(tracker)):
                    return {"refund_amount": amount}
        return {}

    async def validate_refund_amount(self, value, dispatcher, tracker, domain):
        entity = next(tracker.get_latest_entity_values("amount"), None)
        amount = _parse_amount(entity) or _parse_amount(value)
        if amount is None:
            refuse(dispatcher, tracker, "How much should be refunded? Please type an amount like 49.99.")
            return {"refund_amount": None}
        return {"refund_amount": amount}

    async def extract_refund_reason(self, dispatcher, tracker, domain):
        """Any sentence answers "why is the refund due?", whatever intent it was read as."""
        if requested(tracker) != "refund_reason" or tracker.slots_to_validate().get("refund_reason"):
            return {}
        text = latest_text(tracker)
        if text.startswith("/") or text.rstrip().endswith("?") or len(text.split()) < 2:
            return {}
        return {"refund_reason": text}

    async def validate_refund_reason(self, value, dispatcher, tracker, domain):
        text = " ".join(str(value or "").split())[:500]
        if len(text) < 3:
            say(dispatcher, "Could you say in a few words why the refund is due?")
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
        say(
            dispatcher,
            "What's the confirmation number? It's 12 letters and digits, like "
            "ABCD-EFGH-JKLM, and it's in your receipt.",
        )
        return []


class ActionAskRevokeConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_revoke_confirmed"

    async def run(self, dispatcher, tracker, domain):
        number = tracker.get_slot("confirmation_number")
        detail = ""
        auth = auth_for(tracker)
        if auth is not None and number:
            try:
                async with client() as backend:
                    c = await backend.get_cancellation(auth, number)
                detail = (
                    f" for {service_label(c.get('service') or {})}, ending {human_date(c.get('end_date'))}"
                )
            except BackendError:
                detail = ""
        say(
            dispatcher,
            f"Revoke cancellation {number}{detail}? The service would then stay active as before.",
            [("Yes, revoke it", "/affirm"), ("No, keep the cancellation", "/deny")],
        )
        return []


class ActionAskTrackingNumber(Action):
    def name(self) -> Text:
        return "action_ask_tracking_number"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, "What's the tracking number of the return parcel?")
        return []


class ActionAskRefundAmount(Action):
    def name(self) -> Text:
        return "action_ask_refund_amount"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, "How much do you think should be refunded? (e.g. 49.99)")
        return []


class ActionAskRefundReason(Action):
    def name(self) -> Text:
        return "action_ask_refund_reason"

    async def run(self, dispatcher, tracker, domain):
        say(dispatcher, 'And why is the refund due? A sentence is enough, e.g. "charged twice in October".')
        return []


# ---------------------------------------------------------------------------- finish actions


class _Finish(Action, ABC):
    """Common end of a request form: stop messages, expired handle, slot reset."""

    @abstractmethod
    def name(self) -> Text: ...

    async def do(self, dispatcher, tracker, auth) -> List[Dict[str, Any]]:
        raise NotImplementedError

    async def run(self, dispatcher, tracker, domain):
        events: List[Dict[str, Any]] = []
        stopped = tracker.get_slot("flow_stopped")
        auth = auth_for(tracker)
        if stopped == "declined":
            say(dispatcher, "Okay, nothing has been changed.")
        elif stopped:
            pass  # already explained when it happened
        elif auth is None:
            say(dispatcher, EXPIRED_TEXT)
        else:
            try:
                events += await self.do(dispatcher, tracker, auth)
            except NotAuthorized:
                say(dispatcher, EXPIRED_TEXT)
                events += forget_verification()
            except BackendUnavailable:
                say(dispatcher, UNAVAILABLE_TEXT)
        return events + reset(REQUEST_SLOTS + FLOW_SLOTS)


class ActionStatusFinish(_Finish):
    def name(self) -> Text:
        return "action_status_finish"

    async def do(self, dispatcher, tracker, auth):
        number = tracker.get_slot("confirmation_number")
        try:
            async with client() as backend:
                c = await backend.get_cancellation(auth, number)
        except (NotFound, InvalidConfirmationNumber):
            say(dispatcher, f"I couldn't find a request {number} on this account.")
            return []
        say(dispatcher, _status_text(c))
        return []


class ActionRevokeFinish(_Finish):
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
                f"I can't revoke {number}: {exc.message or 'it has already ended or was already revoked'}.",
            )
            return []
        except (NotFound, InvalidConfirmationNumber):
            say(dispatcher, f"I couldn't find a request {number} on this account.")
            return []
        service = c.get("service") or {}
        say(
            dispatcher,
            f"Done: cancellation {c.get('confirmation_number')} is revoked. "
            f"{service_label(service)} stays active as before.",
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
            say(dispatcher, f"I couldn't find a request {number} on this account.")
            return []
        except (Conflict, InvalidInput) as exc:
            say(dispatcher, f"I couldn't record that tracking number: {exc.message or 'it was refused'}.")
            return []
        models = ", ".join(str(e.get("model")) for e in result.get("equipment") or [])
        say(
            dispatcher,
            f"Thanks, tracking number {tracking} is recorded"
            + (f" for {models}" if models else "")
            + ". We'll confirm once the equipment arrives.",
        )
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
            why = (exc.message or "it was refused").rstrip(". ")
            say(dispatcher, f"I couldn't file the refund request: {why}.")
            return []
        shown = money(result.get("amount", amount))
        if result.get("status") == "credit_processing":
            text = f"I'm sorry for the trouble. A credit of {shown} will be processed for your account."
        else:
            text = (
                f"I'm sorry for the trouble. Your refund request for {shown} is being "
                "reviewed by our billing team; they'll get back to you."
            )
        # (the backend's `message` says the same in other words: one apology, not two)
        say(dispatcher, text)
        return []


class ActionBillFinish(_Finish):
    def name(self) -> Text:
        return "action_bill_finish"

    async def do(self, dispatcher, tracker, auth):
        say(dispatcher, await balance_text(auth, tracker.get_slot("service_id")))
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
    currency = balance.get("currency", "USD")
    if is_positive(balance.get("balance")):
        invoices = ", ".join(
            f"{i.get('number')} {money(i.get('amount_due'), currency)} due {human_date(i.get('due_date'))}"
            for i in balance.get("invoices") or []
        )
        text = (
            f"Your outstanding balance is {money(balance.get('balance'), currency)}"
            + (f" ({invoices})" if invoices else "")
            + ". "
            + ("It's due at cancellation. " if balance.get("due_at_cancellation") else "")
            + str(balance.get("how_to_pay") or "")
        )
    else:
        text = "You have no outstanding balance."
    if quote:
        items = quote[0].get("final_bill_items") or []
        if items:
            text += (
                " Final bill if the service ends at the end of the billing period: "
                + "; ".join(f"{i.get('description')} {money(i.get('amount'), currency)}" for i in items)
                + "."
            )
    return text.strip()
