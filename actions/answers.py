"""Answers to questions asked in between (fee, refund, balance, equipment).

With a verified customer the figures come from the backend; without, a general answer that
promises the exact figures once the account is identified. The form (if any) continues after.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Mapping, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendError, NotAuthorized

from . import messages
from .common import (
    EXPIRED_TEXT,
    auth_for,
    client,
    forget_verification,
    say,
)
from .requests import balance_text


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
                    return []
            except NotAuthorized:
                say(dispatcher, EXPIRED_TEXT)
                return forget_verification()
            except BackendError:
                pass
        say(dispatcher, self.general)
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
        service_id = tracker.get_slot("service_id")
        async with client() as backend:
            eq = await backend.equipment(auth, service_id)
        devices = eq.get("equipment") or []
        if not devices:
            say(
                dispatcher,
                messages.NO_EQUIPMENT_FOR_SERVICE if service_id else messages.NO_EQUIPMENT_ON_ACCOUNT,
            )
            return True
        say(dispatcher, messages.equipment_answer(devices, eq.get("return_window_days", 30)))
        return True
