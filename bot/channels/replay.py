"""Re-sending to a reconnecting widget the assistant's messages its socket missed.

Every message the socket.io channel emits carries ``id`` (``<event timestamp>-<part>``: a stored
bot event can go out as several socket messages) and ``ts`` (the event's timestamp). On every
(re)connect the widget sends, with ``session_request``, ``last_seen``: the ``ts`` of the last
assistant message it rendered in this session (0 when it has rendered none yet). Whichever
replica the socket lands on reads the conversation from the shared tracker store and sends that
socket the bot events stored after ``last_seen``, in order, exactly as they went out live (same
``id``). Delivery is at least once (a message can arrive live and by replay); the widget drops
an ``id`` it has already rendered, so the customer sees each message once.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.events import BotUttered

logger = logging.getLogger(__name__)


def last_seen(data: Any) -> Optional[float]:
    """The ``last_seen`` timestamp of a ``session_request``; None when absent or not a number."""
    value = data.get("last_seen") if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


class IdentifiedSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output whose messages carry the stored event's ``id`` and ``ts``."""

    def __init__(self, sio: Any, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self._stamp: Optional[float] = None
        self._part = 0

    def _label(self, message: Dict[Text, Any]) -> Dict[Text, Any]:
        if self._stamp is None:
            return message
        self._part += 1
        return {**message, "id": f"{self._stamp!r}-{self._part}", "ts": self._stamp}

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Send one stored bot event (``message``: ``BotUttered.message()``), each part labelled."""
        labelled = copy.copy(self)  # one counter per event, even if events go out concurrently
        stamp = message.get("timestamp")
        labelled._stamp = float(stamp) if isinstance(stamp, (int, float)) else None
        labelled._part = 0
        await SocketIOOutput.send_response(labelled, recipient_id, message)

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await super()._send_message(socket_id, self._label(response))

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Custom payloads (``{"data": {...}}``) with the label inside ``data``."""
        json_message = dict(json_message)
        if isinstance(json_message.get("data"), dict):
            json_message["data"] = self._label(json_message["data"])
        await super().send_custom_json(recipient_id, json_message, **kwargs)


def missed_messages(events: List[Any], since: float) -> List[Dict[Text, Any]]:
    """``BotUttered.message()`` of the bot events stored after ``since``, in stored order."""
    return [
        event.message()
        for event in events
        if isinstance(event, BotUttered) and (event.timestamp or 0) > since
    ]


async def replay(
    agent: Any, output: IdentifiedSocketIOOutput, session_id: Text, sid: Text, since: float
) -> int:
    """Send socket ``sid`` (only it) the bot messages of ``session_id`` stored after ``since``;
    returns how many stored events were sent."""
    if agent is None or agent.tracker_store is None:
        return 0
    tracker = await agent.tracker_store.retrieve(session_id)
    if tracker is None:
        return 0
    messages = missed_messages(list(tracker.events), since)
    for message in messages:
        await output.send_response(sid, message)
    if messages:
        logger.debug("re-sent %d missed bot messages on reconnect", len(messages))
    return len(messages)
