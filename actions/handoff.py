"""Talking to a person. One action; the backend owns the queue (POST /api/v1/handoffs)."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Action
from rasa_sdk.events import ConversationPaused, SlotSet

from bot.client import BackendError, NotFound

from .common import MENU_BUTTONS, auth_for, channel_of, client, say


def waiting_text(answer: dict) -> str:
    """What the customer is told while waiting: 'shortly' only when someone is available now,
    otherwise their place in line and the backend's expected wait."""
    position, minutes = answer.get("position"), answer.get("expected_wait_minutes")
    seen = "They will see everything written here, so you don't need to repeat anything."
    if answer.get("someone_available"):
        return "I've asked a member of our team to join this chat; a person will be with you shortly. " + seen
    line = f"you're number {position} in line" if position else "you're in line"
    wait = (
        f", and the expected wait is about {minutes} minute{'s' if minutes != 1 else ''}" if minutes else ""
    )
    return (
        f"I've asked a member of our team to join this chat. Everyone is busy right now: {line}{wait}. "
        + seen
    )


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
            say(
                dispatcher,
                "I'm sorry, no one from our team can be reached right now. I can still do the "
                "cancellation, or any of these, for you right here:",
                [b for b in MENU_BUTTONS if b[1] != "/request_human"],
            )
            return [SlotSet("misunderstood_count", 0.0)]
        if answer.get("on_duty") is True:
            # Someone is on duty: the assistant stops answering (Rasa still records the customer's
            # messages) until staff hand the chat back from the console (docs/handoff.md).
            say(dispatcher, waiting_text(answer))
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
            say(
                dispatcher,
                "No one from our team is available right now"
                + (f"; someone will answer from {when}. " if when else ". ")
                + "Your request is queued and they will pick up this conversation then. I don't "
                "need to wait for them: I can carry on with your cancellation right away, or help "
                "with any of these:",
                [b for b in MENU_BUTTONS if b[1] != "/request_human"],
            )
            if channel_of(tracker) == "socketio":
                # the website widget offers an optional email for a reply (docs/handoff.md)
                dispatcher.utter_message(
                    json_message={"data": {"handoff": "off_duty", "next_opening_text": when}}
                )
            return [SlotSet("misunderstood_count", 0.0)]
        say(
            dispatcher,
            "I've asked a member of our team to join this chat; they'll be with "
            "you as soon as they can. Until then I'm still here to help.",
        )
        return [SlotSet("misunderstood_count", 0.0)]
