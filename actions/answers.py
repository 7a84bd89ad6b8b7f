"""Answers to questions asked in between (fee, refund, balance, equipment).

With a verified customer the figures come from the backend; without, a general answer that
promises the exact figures once the account is identified. The form (if any) continues after.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Mapping, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendError, NotAuthorized
from contract.vocabulary.requests import BALANCE, REFUND, REVOKE, STATUS, TRACKING, asked_requests

from . import messages
from .common import (
    EXPIRED_TEXT,
    auth_for,
    client,
    forget_verification,
    say,
)
from .listening import latest_text
from .requests import balance_text, equipment_text

# The request form that does what a message asks for in so many words.
FORM_OF = {
    BALANCE: "bill_form",
    REFUND: "refund_form",
    STATUS: "status_form",
    REVOKE: "revoke_form",
    TRACKING: "tracking_form",
}


async def _quotes(auth, tracker) -> Sequence[Mapping[str, Any]]:
    """End-date options of the service being cancelled; empty when none is chosen yet."""
    service_id = tracker.get_slot("service_id")
    if not service_id:
        return []
    async with client() as backend:
        return await backend.quote(auth, service_id)


class _Answer(Action, ABC):
    @abstractmethod
    def name(self) -> Text: ...

    general = ""

    async def figures(self, dispatcher, tracker, auth) -> bool:
        """Say the customer's own figures; False when there are none to say."""
        return False

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        auth = auth_for(tracker)
        if auth is not None:
            try:
                if await self.figures(dispatcher, tracker, auth):
                    return self.then(tracker)
            except NotAuthorized:
                say(dispatcher, EXPIRED_TEXT)
                return forget_verification()
            except BackendError:
                pass
        say(dispatcher, self.general)
        return self.then(tracker)

    @staticmethod
    def then(tracker: Tracker) -> List[Dict[str, Any]]:
        """Outside a request, the request the same message asks for as well ("what's my final
        bill, and how do I return the modem?") starts after the answer. Not a cancellation:
        these questions are asked before deciding ("is there a fee to cancel?")."""
        if tracker.active_loop_name:
            return []
        for asked in asked_requests(latest_text(tracker)):
            if asked in FORM_OF:
                return [FollowupAction(FORM_OF[asked])]
        return []


class ActionAnswerFee(_Answer):
    general = messages.FEE_GENERAL

    def name(self) -> Text:
        return "action_answer_fee"

    async def figures(self, dispatcher, tracker, auth) -> bool:
        options = await _quotes(auth, tracker)
        if not options:
            return False
        async with client() as backend:
            eq = await backend.equipment(auth, tracker.get_slot("service_id"))
        say(dispatcher, messages.fees_answer(options, eq.get("equipment") or []))
        return True


class ActionAnswerRefund(_Answer):
    general = messages.REFUND_GENERAL

    def name(self) -> Text:
        return "action_answer_refund"

    async def figures(self, dispatcher, tracker, auth) -> bool:
        options = await _quotes(auth, tracker)
        if not options:
            return False
        say(dispatcher, messages.refunds_answer(options))
        return True


class ActionAnswerBalance(_Answer):
    general = messages.BALANCE_GENERAL

    def name(self) -> Text:
        return "action_answer_balance"

    async def figures(self, dispatcher, tracker, auth) -> bool:
        say(dispatcher, await balance_text(auth, tracker.get_slot("service_id")))
        return True


class ActionAnswerEquipment(_Answer):
    general = messages.EQUIPMENT_GENERAL

    def name(self) -> Text:
        return "action_answer_equipment"

    async def figures(self, dispatcher, tracker, auth) -> bool:
        say(dispatcher, await equipment_text(auth, tracker.get_slot("service_id")))
        return True
