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

from bot.client import BackendError, NotAuthorized
from contract.vocabulary.dates import human_date

from .common import (
    EXPIRED_TEXT,
    auth_for,
    client,
    forget_verification,
    is_positive,
    money,
    say,
)
from .requests import balance_text

WHEN_NAMES = {
    "immediate": "Ending immediately",
    "end_of_period": "Ending at the end of the billing period",
    "date": "Ending on a chosen date",
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
                    return []
            except NotAuthorized:
                say(dispatcher, EXPIRED_TEXT)
                return forget_verification()
            except BackendError:
                pass
        say(dispatcher, self.general)
        return []


class ActionAnswerFee(_Answer):
    general = (
        "There's no separate charge for asking to cancel. What you'd still pay depends on your "
        "account and the end date you choose: before you confirm anything I'll show you the "
        "final bill for each option, any balance, and the fee for leased equipment that isn't "
        "returned."
    )

    def name(self) -> Text:
        return "action_answer_fee"

    async def figures(self, dispatcher, tracker, auth) -> bool:
        options = await _quotes(auth, tracker)
        if not options:
            return False
        lines = ["Here's what you'd still pay for this service:"]
        for o in options:
            items = o.get("final_bill_items") or []
            bill = "; ".join(f"{i.get('description')} {money(i.get('amount'))}" for i in items)
            lines.append(
                f"- {WHEN_NAMES.get(str(o.get('when')), o.get('when'))} ({human_date(o.get('end_date'))}): "
                + (bill or "nothing further")
            )
        async with client() as backend:
            eq = await backend.equipment(auth, tracker.get_slot("service_id"))
        for e in eq.get("equipment") or []:
            lines.append(
                f"- {e.get('model')}: {money(e.get('non_return_fee'))} only if it isn't returned in time"
            )
        say(dispatcher, "\n".join(lines))
        return True


class ActionAnswerRefund(_Answer):
    general = (
        "Whether anything is refunded depends on the end date you choose; I'll show the exact "
        "figure for each option before you confirm. If you were charged for something you "
        "shouldn't have been, I can also file a refund request for you afterwards."
    )

    def name(self) -> Text:
        return "action_answer_refund"

    async def figures(self, dispatcher, tracker, auth) -> bool:
        options = await _quotes(auth, tracker)
        if not options:
            return False
        lines = ["Refunds for this service:"]
        for o in options:
            refund = o.get("refund")
            lines.append(
                f"- {WHEN_NAMES.get(str(o.get('when')), o.get('when'))}: "
                + (f"refund of {money(refund)}" if is_positive(refund) else "no refund")
                + (f". {o['explanation']}" if o.get("explanation") else "")
            )
        say(dispatcher, "\n".join(lines))
        return True


class ActionAnswerBalance(_Answer):
    general = (
        "Any outstanding balance is due when the service is cancelled. Once I've verified your "
        "account I can tell you the exact amount, your final bill and how to pay."
    )

    def name(self) -> Text:
        return "action_answer_balance"

    async def figures(self, dispatcher, tracker, auth) -> bool:
        say(dispatcher, await balance_text(auth, tracker.get_slot("service_id")))
        return True


class ActionAnswerEquipment(_Answer):
    general = (
        "If you have leased equipment (a modem or router, for example), you'll get a prepaid "
        "return label by email when the cancellation is filed, plus a return deadline. "
        "A non-return fee applies to each device that isn't sent back in time. After shipping, "
        "just tell me the tracking number here."
    )

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
                "There's no leased equipment to return"
                + (" for this service." if service_id else " on your account."),
            )
            return True
        lines = [
            f"Equipment to return (within {eq.get('return_window_days', 30)} days after the "
            "service ends; you'll get a prepaid return label by email when the cancellation "
            "is filed):"
        ]
        for e in devices:
            lines.append(
                f"- {e.get('model')} (serial ending {e.get('serial_last4')}): "
                f"{money(e.get('non_return_fee'))} fee if not returned"
            )
        lines.append('After shipping, tell me the tracking number ("report a tracking number").')
        say(dispatcher, "\n".join(lines))
        return True
