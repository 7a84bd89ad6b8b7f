"""Tell the backend that a conversation a person may be watching changed, so the staff console
updates at once (server-sent events, docs/handoff.md) instead of polling Rasa.

Runs inside the Rasa server: RedactingTrackerStore.save calls `conversation_saved` after each
commit. Only conversations that are paused (a person handles them) or that just asked for a person
are reported; the POST (`/api/v1/handoffs/activity`, contract.routes.HANDOFF_ACTIVITY, service token) is fire-and-forget and never
delays or fails the customer's turn. Off without BACKEND_URL / BACKEND_SERVICE_TOKEN.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Iterable, Optional, Set

import aiohttp

from bot.rasa_settings import rasa_settings
from contract.routes import HANDOFF_ACTIVITY
from contract.shapes import ConversationBody

log = logging.getLogger("bot.rasa_handoff_notice")
_session: Optional[aiohttp.ClientSession] = None
_pending: Set["asyncio.Task[None]"] = set()


def worth_telling(paused: bool, events: Iterable[Dict[str, Any]]) -> bool:
    """A person may be watching: the chat is paused, or the customer just asked for a person."""
    return paused or any(e.get("event") == "action" and e.get("name") == "action_handoff" for e in events)


async def _post(url: str, token: str, conversation_id: str) -> None:
    global _session
    body: ConversationBody = {"conversation_id": conversation_id}
    try:
        if _session is None or _session.closed:
            _session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        async with _session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as answer:
            await answer.read()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.debug("handoff activity not delivered: %s", type(exc).__name__)


def conversation_saved(conversation_id: str, paused: bool, events: Iterable[Dict[str, Any]]) -> None:
    """Report the change in the background (needs a running event loop, as in Rasa's save)."""
    settings = rasa_settings()
    base, token = settings.backend_url, settings.backend_service_token
    if not base or not token or not worth_telling(paused, events):
        return
    task = asyncio.get_running_loop().create_task(
        _post(base.rstrip("/") + HANDOFF_ACTIVITY.path, token, conversation_id)
    )
    _pending.add(task)  # keep a reference until done
    task.add_done_callback(_pending.discard)
