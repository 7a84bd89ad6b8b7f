"""`POST /api/v1/handoffs` (service token): the action server queues a chat for a person."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot import identity
from bot.api import validation as v
from bot.api.keys import DB, POLICY, SETTINGS
from bot.api.routes import idempotent
from bot.errors import Unauthorized
from bot.hashing import conversation_key
from bot.idempotency import Answer
from bot.handoff import service
from bot.handoff.keys import NOTIFIER

routes = web.RouteTableDef()


@routes.post("/api/v1/handoffs")
async def request_handoff(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    conversation_id = v.string(body, "conversation_id")
    reason = v.string(body, "reason", max_len=60)
    channel = v.string(body, "channel", required=False, nullable=True, max_len=40) or "unknown"
    handle = request.headers.get("X-Verification-Handle")
    handle = handle if handle is not None and v.is_unicode_text(handle) else None
    policy, settings = request.app[POLICY], request.app[SETTINGS]

    def work(session: Session) -> Answer:
        account_id = None
        if handle:
            # The account is attached only for a valid handle of this very conversation; an expired
            # one never blocks the request for a person.
            try:
                account_id = identity.resolve_handle(session, handle, conversation_id,
                                                         request.headers.get("X-Conversation-Channel")).account_id
            except Unauthorized:
                account_id = None
        if account_id is None:
            service.check_anonymous_limits(
                session, conversation_id, per_conversation=settings.handoff_anonymous_per_conversation,
                window_seconds=settings.handoff_anonymous_window_seconds,
                max_open=settings.handoff_anonymous_max_open)
        answer, created = service.queue(session, policy, conversation_id, channel, reason, account_id)
        return Answer(201 if created else 200, answer)

    # Keys of calls without a handle belong to the conversation (bot/idempotency.py).
    response = await idempotent(request, lambda _s: "conversation:" + conversation_key(conversation_id), body, work)
    if response.status == 201:
        request.app[NOTIFIER].wake()
    return response
