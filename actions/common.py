"""Small helpers shared by the actions: backend access, slot names, money and buttons.

Nothing here decides anything about the business: figures, dates, offers and fees are the
backend's; this module only formats them.
"""

from __future__ import annotations

import hashlib
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import Auth, BackendClient
from contract import slot_markers
from contract.vocabulary.answers import changes_mind
from contract.vocabulary.numbers import format_money
from contract.vocabulary.reasons import REASONS as VOCABULARY_REASONS

from . import messages

logger = logging.getLogger(__name__)

# Markers that replace a secret once the backend has seen it (never the raw value).
PROVIDED, VERIFIED = slot_markers.PROVIDED, slot_markers.VERIFIED

IDENTIFICATION_SLOTS = ["account_identifier", "verification_factor"]

# Slots of one cancellation attempt; reset when the attempt ends (filed, saved, stopped).
CANCEL_SLOTS = [
    "service_id",
    "service_name",
    "service_confirmed",
    "reason",
    "offer_id",
    "offer_title",
    "offer_description",
    "offer_response",
    "backup_confirmed",
    "end_when",
    "end_date",
    "final_confirmation",
    "fast_track",
    "service_queue",
    "offer_unclear",
    "backup_waiting",
]
REQUEST_SLOTS = [
    "confirmation_number",
    "revoke_confirmed",
    "tracking_number",
    "refund_amount",
    "refund_reason",
]
# Slots a form run leaves behind whatever the outcome.
FLOW_SLOTS = [
    "flow_stopped",
    "requested_slot",
    "account_identifier",
    "verification_factor",
    "verification_attempt_id",
    "otp_sent_to",
]

REASONS = VOCABULARY_REASONS
S = TypeVar("S", bound=Mapping[str, Any])  # a service as the backend answers it (contract.shapes.Service)

MENU_BUTTONS = messages.MENU_BUTTONS
UNAVAILABLE_TEXT = messages.UNAVAILABLE
EXPIRED_TEXT = messages.EXPIRED
service_label = messages.service_label
bundle_warning = messages.bundle_warning


def client() -> BackendClient:
    """The backend client configured from the environment (BACKEND_URL, BACKEND_SERVICE_TOKEN),
    shared by the actions of this process (one pool of kept-alive connections)."""
    return BackendClient.shared()


def auth_for(tracker: Tracker) -> Optional[Auth]:
    """The verified customer's credentials, or None when the chat is not verified."""
    handle = tracker.get_slot("verification_handle")
    if not handle:
        return None
    return Auth(handle=str(handle), conversation_id=tracker.sender_id, channel=channel_of(tracker))


def is_verified(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("verification_handle"))


def forget_verification() -> List[Dict[str, Any]]:
    """Slot events that drop an expired or refused handle."""
    return [
        SlotSet("verification_handle", None),
        SlotSet("verified", False),
        SlotSet("customer_first_name", None),
    ]


def forget_verification_dict() -> Dict[str, Any]:
    return {"verification_handle": None, "verified": False, "customer_first_name": None}


def is_pending(service: Mapping[str, Any]) -> bool:
    """The service has a filed cancellation request that has not ended yet."""
    return service.get("status") == "cancellation_pending"


def reset(names: Iterable[str]) -> List[Dict[str, Any]]:
    return [SlotSet(n, None) for n in names]


def buttons(pairs: Sequence[Tuple[str, str]]) -> List[Dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


def say(dispatcher: CollectingDispatcher, text: str, pairs: Sequence[Tuple[str, str]] = ()) -> None:
    if pairs:
        dispatcher.utter_message(text=text, buttons=buttons(pairs))
    else:
        dispatcher.utter_message(text=text)


def money(amount: Any, currency: str = "USD") -> str:
    """'1850.4' -> '$1,850.40' (the one money format, `contract.vocabulary.numbers`)."""
    return format_money(amount, currency)


def is_positive(amount: Any) -> bool:
    try:
        return Decimal(str(amount)) > 0
    except (InvalidOperation, ValueError):
        return False


def find_service(services: Sequence[S], service_id: Optional[str]) -> Optional[S]:
    for s in services:
        if service_id and str(s.get("id", "")).upper() == str(service_id).upper():
            return s
    return None


def idempotency_key(tracker: Tracker, service_id: str, attempt: int) -> str:
    """Key of one filing attempt: conversation id + session start + service + attempt counter.

    A retried action run sees the same tracker and so sends the same key; the counter is
    incremented only after a filing succeeded. The session start keeps a new session (whose
    counter starts again at 0) from replaying an older request.
    """
    session_start = ""
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            session_start = str(event.get("timestamp", ""))
            break
    raw = f"{tracker.sender_id}|{session_start}|{service_id.upper()}|{attempt}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def step_key(tracker: Tracker, step: str, *parts: Any) -> str:
    """Idempotency-Key of one state-changing call made in this turn (a refund, a revoke, an
    offer's outcome): conversation id + the customer's message that led to it + the step.

    A retried action run (e.g. after the action server crashed) sees the same latest message and
    so replays the first answer; a new request in a later turn gets a new key.
    """
    latest = ""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            latest = f"{event.get('timestamp', '')}|{event.get('message_id', '')}|{event.get('text', '')}"
            break
    raw = "|".join([tracker.sender_id, latest, step, *(str(p) for p in parts)])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


STOP_WORDS = frozenset(
    {
        "stop",
        "stop it",
        "stop this",
        "quit",
        "exit",
        "never mind",
        "nevermind",
        "forget it",
        "cancel that",
        "abort",
        "leave it",
        "i changed my mind",
        "changed my mind",
        "no stop",
    }
)


def is_stop(text: Optional[str]) -> bool:
    """A message that only says "stop" (in case the NLU reads it as an answer to the question),
    also twice over or with a "please": "never mind, forget it", "ok stop please"."""
    parts = [
        " ".join(p.split())
        for p in re.split(r"[,.;!]+|\band\b", str(text or "").lower().replace("’", "'"))
        if p.strip()
    ]
    parts = [re.sub(r"^(ok|okay|oh|please|just|actually)\s+|\s+(please|then|now)$", "", p) for p in parts]
    parts = [p for p in parts if p not in ("ok", "okay", "please", "sorry", "oh", "no")] or parts
    return bool(parts) and all(p in STOP_WORDS for p in parts)


class StopWordsMixin:
    """Lets a form be left with a plain "stop" even where any text is a valid answer.

    The intent ``deny`` already stops a form (rules); this catches a "stop" or "never mind"
    that the NLU took for something else and that a free-text slot would otherwise swallow.
    """

    # Questions at which a change of mind ("actually no, I'll keep the service") stops the form.
    CHANGE_OF_MIND_STOPS: frozenset = frozenset()

    async def run(self, dispatcher, tracker, domain):
        requested = tracker.get_slot("requested_slot")
        text = tracker.latest_message.get("text")
        # a plain "stop" at any question (also where the answer is read by an extract step, not
        # a text mapping: "never mind, forget it" at the service list)
        if (requested and is_stop(text)) or (requested in self.CHANGE_OF_MIND_STOPS and changes_mind(text)):
            say(dispatcher, messages.STOPPED, MENU_BUTTONS)
            return [
                SlotSet(requested, None),
                SlotSet("flow_stopped", "user_stopped"),
                SlotSet("requested_slot", None),
            ]
        return await super().run(dispatcher, tracker, domain)
