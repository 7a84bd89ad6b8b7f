"""Talking to a person. One action; the backend owns the queue (POST /api/v1/handoffs)."""
from __future__ import annotations

from typing import Text

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from bot.client import BackendError, NotFound

from .common import MENU_BUTTONS, auth_for, channel_of, client, say


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("flow_stopped") == "locked" or (
            tracker.latest_message.get("intent", {}).get("name") != "request_human"
            and (tracker.get_slot("misunderstood_count") or 0) >= 2
        ):
            reason = "verification_locked" if tracker.get_slot("flow_stopped") else "fallback"
        else:
            reason = "customer_request"
        try:
            async with client() as backend:
                await backend.request_handoff(
                    tracker.sender_id, reason, channel=channel_of(tracker), auth=auth_for(tracker)
                )
        except (NotFound, BackendError):
            say(
                dispatcher,
                "I'm sorry, no one from our team can be reached right now. I can still do the "
                "cancellation, or any of these, for you right here:",
                [b for b in MENU_BUTTONS if b[1] != "/request_human"],
            )
            return [SlotSet("misunderstood_count", 0.0)]
        say(dispatcher, "I've asked a member of our team to join this chat; they'll be with "
                        "you as soon as they can. Until then I'm still here to help.")
        return [SlotSet("misunderstood_count", 0.0)]
