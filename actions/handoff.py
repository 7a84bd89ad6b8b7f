"""Talking to a person. One action; the backend owns the queue (POST /api/v1/handoffs)."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Action
from rasa_sdk.events import ConversationPaused, SlotSet

from actions.backend_client import BackendError, NotFound

from . import messages
from .common import auth_for, channel_of, client, say


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("flow_stopped") == "locked" or (
            tracker.latest_message.get("intent", {}).get("name") != "request_human"
            and (tracker.get_slot("misunderstood_count") or 0) >= 2
        ):
            reason = "verification_locked" if tracker.get_slot("flow_stopped") == "locked" else "fallback"
        else:
            reason = "customer_request"
        try:
            async with client() as backend:
                answer = await backend.request_handoff(
                    tracker.sender_id, reason, channel=channel_of(tracker), auth=auth_for(tracker)
                )
        except (NotFound, BackendError):
            say(dispatcher, messages.HANDOFF_UNREACHABLE, messages.MENU_WITHOUT_PERSON)
            return [SlotSet("misunderstood_count", 0.0)]
        if answer.get("on_duty") is True:
            # Someone is on duty: the assistant stops answering (Rasa still records the customer's
            # messages) until staff hand the chat back from the console (docs/handoff.md).
            say(dispatcher, messages.waiting_text(answer))
            if channel_of(tracker) == "socketio":
                # the website widget shows a waiting state (position, expected wait) instead of typing
                # dots; Rasa's socket.io output emits a custom message as sio.emit(event, **custom).
                dispatcher.utter_message(
                    json_message={
                        "data": {
                            "handoff": "waiting",
                            **{
                                k: answer.get(k)
                                for k in ("position", "expected_wait_minutes", "someone_available")
                            },
                        }
                    }
                )
            return [SlotSet("misunderstood_count", 0.0), ConversationPaused()]
        if answer.get("on_duty") is False:
            when = answer.get("next_opening_text")
            say(dispatcher, messages.off_duty(when), messages.MENU_WITHOUT_PERSON)
            if channel_of(tracker) == "socketio":
                # the website widget offers an optional email for a reply (docs/handoff.md)
                dispatcher.utter_message(
                    json_message={"data": {"handoff": "off_duty", "next_opening_text": when}}
                )
            return [SlotSet("misunderstood_count", 0.0)]
        say(dispatcher, messages.HANDOFF_PENDING)
        return [SlotSet("misunderstood_count", 0.0)]
