"""Fire-and-forget notes for the reports (docs/reports.md): the assistant did not understand a
message, or the customer stopped the cancellation. Sent to the backend in the background with a
short timeout; a failure is logged (the kind and the error's class, never the conversation) and
never changes what the customer sees."""

from __future__ import annotations

import asyncio
import logging
from typing import Set

from rasa_sdk import Tracker

from contract.shapes import ConversationEventKind

from .common import channel_of, client

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0
_pending: Set["asyncio.Task[None]"] = set()


async def _send(conversation_id: str, kind: ConversationEventKind, channel: str) -> None:
    try:
        async with client() as backend:
            await asyncio.wait_for(
                backend.conversation_event(conversation_id, kind, channel), TIMEOUT_SECONDS
            )
    except Exception as exc:  # a note for the reports never disturbs the conversation
        logger.warning("conversation event %s not recorded: %s", kind, type(exc).__name__)


def note(tracker: Tracker, kind: ConversationEventKind) -> None:
    """Record `kind` for this conversation in the background (the action does not wait)."""
    task = asyncio.get_running_loop().create_task(_send(tracker.sender_id, kind, channel_of(tracker)))
    _pending.add(task)  # keep a reference until it is done
    task.add_done_callback(_pending.discard)


async def settle() -> None:
    """Wait for the notes still being sent (tests; before closing the shared client)."""
    while _pending:
        await asyncio.gather(*list(_pending))
