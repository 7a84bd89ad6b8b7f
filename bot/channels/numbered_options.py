"""Buttons as numbered text, and a number reply mapped back to the button's payload.

For text-only channels (SMS, and any other channel without buttons):

- :func:`format_options` renders a bot message with buttons as text plus one numbered line per
  button (``"1. Yes"``), never showing the payloads;
- :func:`payload_for_reply` maps a customer reply that is just a number (``"2"``, ``" 2. "``,
  ``"2)"``) to the payload of that button, looking the buttons up in the conversation's tracker.

Which buttons a number refers to: the bot messages sent since the customer's last message (the
current bot turn), the last of them that has buttons. A number typed after the customer has
already answered something else is passed on as plain text (it might be a PIN or a ZIP).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, Iterable, List, Optional, Text

logger = logging.getLogger(__name__)

NUMBER_REPLY = re.compile(r"^\s*#?\s*(\d{1,2})\s*[.)]?\s*$")

Button = Dict[Text, Any]


def format_options(text: Optional[Text], buttons: Iterable[Button]) -> Text:
    """``text`` followed by the buttons as ``"1. Title"`` lines (no payloads)."""
    lines = [f"{index}. {button.get('title', '')}" for index, button in enumerate(buttons, 1)]
    head = (text or "").rstrip()
    if not lines:
        return head
    return (head + "\n" if head else "") + "\n".join(lines)


def parse_number(text: Optional[Text]) -> Optional[int]:
    """The option number if ``text`` is nothing but a small number, else None."""
    if not text:
        return None
    match = NUMBER_REPLY.match(text)
    return int(match.group(1)) if match else None


def map_reply(text: Optional[Text], buttons: List[Button]) -> Optional[Text]:
    """Payload of button number ``text`` (1-based) among ``buttons``; None if not a choice."""
    number = parse_number(text)
    if number is None or not buttons or not 1 <= number <= len(buttons):
        return None
    button = buttons[number - 1]
    return button.get("payload") or button.get("title")


def _event_buttons(event: Dict[Text, Any]) -> List[Button]:
    data = event.get("data") or {}
    buttons = data.get("buttons") or data.get("quick_replies") or []
    return [b for b in buttons if isinstance(b, dict)]


def pending_buttons(events: Iterable[Any]) -> List[Button]:
    """Buttons the customer can answer by number, from a tracker's events (newest last).

    Accepts event objects or their dict form (``tracker.events`` or ``tracker.current_state()``).
    """
    event_dicts = [e.as_dict() if hasattr(e, "as_dict") else e for e in events]
    for event in reversed(event_dicts):
        kind = event.get("event")
        if kind == "user":
            return []  # the customer has replied since: no pending choice
        if kind == "bot":
            buttons = _event_buttons(event)
            if buttons:
                return buttons
    return []


async def payload_for_reply(tracker_store: Any, sender_id: Text, text: Optional[Text]) -> Optional[Text]:
    """Payload for a number reply of ``sender_id``, read from ``tracker_store``; else None.

    ``tracker_store`` is the Rasa tracker store (``request.app.ctx.agent.tracker_store``).
    Never raises: on any trouble the reply is passed on unchanged.
    """
    if parse_number(text) is None or tracker_store is None:
        return None
    try:
        tracker = await tracker_store.retrieve(sender_id)
    except Exception as error:  # a broken store must not swallow the customer's message
        logger.warning("Could not read the tracker of %s to map a number reply: %s", sender_id, error)
        return None
    if tracker is None:
        return None
    return map_reply(text, pending_buttons(tracker.events))
