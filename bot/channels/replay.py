"""Re-sending to a reconnecting widget the assistant's messages its socket missed.

Every message the socket.io channel emits carries ``id`` (``<event timestamp>-<part>``: a stored
bot event can go out as several socket messages), ``ts`` (the event's timestamp) and ``part``
(1, 2, ... within the event). On every (re)connect the widget sends, with ``session_request``,
``last_seen`` and ``last_part``: the ``ts`` and ``part`` of the last assistant message it
rendered in this session (0 when none yet). Whichever replica the socket lands on reads the
conversation from the shared tracker store and sends that socket what follows: the remaining
parts of that event and the bot events stored after it, in order, exactly as they went out live
(same ``id``). Delivery is at least once (a message can arrive live and by replay); the widget drops
an ``id`` it has already rendered, so the customer sees each message once.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.events import BotUttered

logger = logging.getLogger(__name__)


def _number(data: Any, key: Text) -> Optional[float]:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


def last_seen(data: Any) -> Optional[Tuple[float, int]]:
    """``(last_seen, last_part)`` of a ``session_request``; None when ``last_seen`` is absent or
    not a number (a missing ``last_part``: the whole event was seen)."""
    since = _number(data, "last_seen")
    if since is None:
        return None
    part = _number(data, "last_part")
    return since, int(part) if part is not None and part < 10_000 else 10_000


class IdentifiedSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output whose messages carry the stored event's ``id``, ``ts``, ``part``."""

    def __init__(self, sio: Any, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self._stamp: Optional[float] = None
        self._part = 0
        self._skip = 0  # parts of this event already seen (replay)

    def _label(self, message: Dict[Text, Any]) -> Optional[Dict[Text, Any]]:
        """``message`` with its ``id``, ``ts`` and ``part``; None for a part already seen."""
        if self._stamp is None:
            return message
        self._part += 1
        if self._part <= self._skip:
            return None
        return {**message, "id": f"{self._stamp!r}-{self._part}", "ts": self._stamp, "part": self._part}

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any], skip: int = 0) -> None:
        """Send one stored bot event (``message``: ``BotUttered.message()``), each part labelled;
        the first ``skip`` parts are left out (seen already)."""
        labelled = copy.copy(self)  # one counter per event, even if events go out concurrently
        stamp = message.get("timestamp")
        labelled._stamp = float(stamp) if isinstance(stamp, (int, float)) else None
        labelled._part = 0
        labelled._skip = skip
        await SocketIOOutput.send_response(labelled, recipient_id, message)

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        labelled = self._label(response)
        if labelled is not None:
            await super()._send_message(socket_id, labelled)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Custom payloads (``{"data": {...}}``) with the label inside ``data``."""
        json_message = dict(json_message)
        if isinstance(json_message.get("data"), dict):
            labelled = self._label(json_message["data"])
            if labelled is None:
                return
            json_message["data"] = labelled
        await super().send_custom_json(recipient_id, json_message, **kwargs)


def missed_messages(events: List[Any], since: float) -> List[Dict[Text, Any]]:
    """``BotUttered.message()`` of the bot events stored at or after ``since``, in stored order
    (the one at ``since`` may have parts not seen yet)."""
    return [
        event.message()
        for event in events
        if isinstance(event, BotUttered) and (event.timestamp or 0) >= since
    ]


async def replay(
    agent: Any,
    output: IdentifiedSocketIOOutput,
    session_id: Text,
    sid: Text,
    seen: Tuple[float, int],
) -> int:
    """Send socket ``sid`` (only it) the bot messages of ``session_id`` after the part ``seen``
    (``(ts, part)``); returns how many stored events were (partly) sent."""
    since, part = seen
    if agent is None or agent.tracker_store is None:
        return 0
    tracker = await agent.tracker_store.retrieve(session_id)
    if tracker is None:
        return 0
    messages = missed_messages(list(tracker.events), since)
    for message in messages:
        await output.send_response(sid, message, skip=part if message.get("timestamp") == since else 0)
    if messages:
        logger.debug("re-sent %d missed bot messages on reconnect", len(messages))
    return len(messages)
