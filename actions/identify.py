"""Account identification, shared by every form that needs a verified customer.

The identifier and the second factor are sent to the backend and replaced in the slots by a
marker right away: only the attempt id, the verification handle and the first name stay.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    Auth,
    BackendUnavailable,
    InvalidInput,
    Locked,
    VerificationFailed,
)
from contract.vocabulary.identifiers import (
    classify_identifier,
    corrected_identifier,
    find_factor,
    find_identifier,
)

from . import messages
from .common import (
    IDENTIFICATION_SLOTS,
    PROVIDED,
    UNAVAILABLE_TEXT,
    VERIFIED,
    channel_of,
    client,
    is_verified,
    say,
)
from .listening import clarify_answer, refuse, said_this_turn

_OTP_REQUEST = "otp"

HANDOFF_BUTTON = [messages.PERSON_BUTTON]
NOT_RIGHT_IDENTIFIER = messages.NOT_AN_IDENTIFIER


def parse_identifier(value: Any, entities: Optional[List[str]] = None) -> Optional[str]:
    """An account number (8 digits), an email or a phone number found in what was typed (the
    rules are `contract.vocabulary.identifiers`, the same the backend applies)."""
    for candidate in list(entities or []) + [value]:
        if not candidate:
            continue
        found = classify_identifier(str(candidate)) or find_identifier(str(candidate))
        if found:
            return found[1]
    return None


def parse_factor(value: Any, asked: bool = True) -> Optional[str]:
    """A 5-digit ZIP, a 4-digit PIN or a 6-digit code: the backend tells them apart by length."""
    if value is None:
        return None
    return find_factor(str(value), asked=asked)


class IdentificationMixin:
    """Validation of ``account_identifier`` and ``verification_factor`` for a form."""

    def identification_slots(self, tracker: Tracker) -> List[Text]:
        return [] if is_verified(tracker) else list(IDENTIFICATION_SLOTS)

    async def after_verified(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, auth: Auth
    ) -> Dict[Text, Any]:
        """Hook for a form to prepare its next step once the customer is verified."""
        return {}

    async def extract_account_identifier(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An identifier anywhere in the latest message (the request itself, or an answer with
        extra words) is used at once: never asked for again."""
        if is_verified(tracker) or tracker.get_slot("flow_stopped"):
            return {}
        if tracker.get_slot("requested_slot") == "account_identifier" and clarify_answer(dispatcher, tracker):
            # "what?", "is this safe?", "dunno": explained (whatever intent the classifier chose)
            return {"account_identifier": None}
        found = find_identifier(tracker.latest_message.get("text"))
        if tracker.get_slot("account_identifier") == PROVIDED:
            # given already; a new one while the factor is asked is a correction ("oh sorry
            # that's my old email, use jo@x.example instead"): a new attempt for it
            asked_factor = tracker.get_slot("requested_slot") == "verification_factor"
            return {"account_identifier": found[1]} if found and asked_factor else {}
        candidate = tracker.slots_to_validate().get("account_identifier")
        if found and candidate != found[1]:
            return {"account_identifier": found[1]}
        return {}

    async def extract_verification_factor(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A factor in the latest message: as the answer to its question, or named ("zip
        02139", "code 123456") next to the identifier in the first message."""
        if is_verified(tracker) or tracker.get_slot("verification_factor") == VERIFIED:
            return {}
        if tracker.get_slot("flow_stopped"):
            return {}
        asked = tracker.get_slot("requested_slot") == "verification_factor"
        if asked and clarify_answer(dispatcher, tracker):  # "why do you need my zip?"
            return {"verification_factor": None}
        if asked and tracker.slots_to_validate().get("verification_factor") is not None:
            return {}
        if not asked and not (
            tracker.get_slot("verification_attempt_id") or tracker.get_slot("account_identifier")
        ):
            return {}
        text = tracker.latest_message.get("text") or ""
        # Not asked for, only a named factor counts ("acct 12345678 PIN 1234"); the stored
        # message is masked (bot/rasa_redaction.py masks ZIPs, codes and PIN-shaped numbers).
        factor = find_factor(text, asked=asked)
        return {"verification_factor": factor} if factor else {}

    async def validate_account_identifier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == PROVIDED or value is None:
            return {}
        entities = [
            e.get("value")
            for e in tracker.latest_message.get("entities", []) or []
            if e.get("entity") in ("account_number", "email", "phone")
        ]
        corrected = corrected_identifier(str(tracker.latest_message.get("text") or ""))
        identifier = corrected[1] if corrected else parse_identifier(value, entities)
        if identifier is None:
            text = str(tracker.latest_message.get("text") or "")
            # a named ZIP or PIN first ("my zip is 02139"): the right answer to the next question.
            # It is not kept (factors never go into the tracker), so it is asked for right after.
            early_factor = find_factor(text, asked=False)
            refuse(
                dispatcher,
                tracker,
                messages.FACTOR_BEFORE_IDENTIFIER if early_factor else NOT_RIGHT_IDENTIFIER,
            )
            return {"account_identifier": None}
        try:
            async with client() as backend:
                started = await backend.verify_start(identifier, tracker.sender_id, channel_of(tracker))
        except Locked as exc:
            return self._locked(dispatcher, exc)
        except InvalidInput:  # the backend refused the format: the customer's input, not an outage
            refuse(dispatcher, tracker, NOT_RIGHT_IDENTIFIER)
            return {"account_identifier": None}
        except BackendUnavailable:
            say(dispatcher, UNAVAILABLE_TEXT)
            return {"account_identifier": None, "flow_stopped": "unavailable"}
        return {
            "account_identifier": PROVIDED,
            "verification_attempt_id": started.get("attempt_id"),
            "verification_factor": None,
            "otp_sent_to": None,
        }

    async def validate_verification_factor(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value == VERIFIED or value is None:
            return {}
        attempt_id = tracker.get_slot("verification_attempt_id")
        if not attempt_id:
            return {"account_identifier": None, "verification_factor": None}
        if value == _OTP_REQUEST:
            try:
                async with client() as backend:
                    sent = await backend.send_otp(attempt_id)
            except Locked as exc:
                return self._locked(dispatcher, exc)
            except BackendUnavailable:
                say(dispatcher, UNAVAILABLE_TEXT)
                return {"verification_factor": None, "flow_stopped": "unavailable"}
            except InvalidInput:
                say(dispatcher, messages.NO_CODE_POSSIBLE)
                return {"verification_factor": None}
            return {"verification_factor": None, "otp_sent_to": sent.get("to") or messages.SOME_CONTACT}

        factor = parse_factor(value)
        if factor is None and find_identifier(str(tracker.latest_message.get("text") or "")):
            # "sorry typo in the email, it's jo@x.example": a new identifier, no factor; the
            # identifier's validator starts the new attempt and the factor is asked again
            return {"verification_factor": None}
        if factor is None:
            refuse(dispatcher, tracker, messages.FACTOR_DIGITS_ONLY)
            return {"verification_factor": None}
        try:
            async with client() as backend:
                verified = await backend.verify(attempt_id, factor)
                auth = Auth(
                    handle=verified["handle"], conversation_id=tracker.sender_id, channel=channel_of(tracker)
                )
                name = verified.get("customer_first_name") or ""
                say(dispatcher, messages.verified(name))
                slots: Dict[Text, Any] = {
                    "account_identifier": PROVIDED,
                    "verification_factor": VERIFIED,
                    "verification_attempt_id": None,
                    "otp_sent_to": None,
                    "verification_handle": verified["handle"],
                    "verified": True,
                    "customer_first_name": name or None,
                }
                tracker.slots.update(slots)
                slots.update(await self.after_verified(dispatcher, tracker, auth))
                return slots
        except VerificationFailed:
            say(dispatcher, messages.NOT_VERIFIED)
            return {
                "account_identifier": None,
                "verification_factor": None,
                "verification_attempt_id": None,
                "otp_sent_to": None,
            }
        except Locked as exc:
            return self._locked(dispatcher, exc)
        except InvalidInput:
            say(dispatcher, messages.FACTOR_NOT_RIGHT)
            return {"verification_factor": None}
        except BackendUnavailable:
            say(dispatcher, UNAVAILABLE_TEXT)
            return {"verification_factor": None, "flow_stopped": "unavailable"}

    @staticmethod
    def _locked(dispatcher: CollectingDispatcher, exc: Locked) -> Dict[Text, Any]:
        minutes = max(1, math.ceil((exc.retry_after or 60) / 60))
        say(dispatcher, messages.locked(minutes), HANDOFF_BUTTON)
        return {
            "account_identifier": None,
            "verification_factor": None,
            "verification_attempt_id": None,
            "otp_sent_to": None,
            "flow_stopped": "locked",
        }


class ActionAskAccountIdentifier(Action):
    def name(self) -> Text:
        return "action_ask_account_identifier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # "That doesn't look like ... Could you type it again?" already asks: not the same
        # question again right under it
        if not said_this_turn(
            tracker, NOT_RIGHT_IDENTIFIER, messages.NOT_VERIFIED, messages.FACTOR_BEFORE_IDENTIFIER
        ):
            say(dispatcher, messages.ASK_IDENTIFIER)
        return []


class ActionAskVerificationFactor(Action):
    def name(self) -> Text:
        return "action_ask_verification_factor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        sent_to = tracker.get_slot("otp_sent_to")
        if sent_to:
            say(dispatcher, messages.ASK_CODE.format(sent_to=sent_to))
        else:
            say(dispatcher, messages.ASK_FACTOR, [messages.SEND_CODE_BUTTON])
        return []
