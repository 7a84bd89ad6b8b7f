"""`POST /api/v1/handoffs` (service token): the action server queues a chat for a person."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot import identity
from bot.api import validation as v
from bot.api.keys import DB, POLICY
from bot.api.middleware import json_response
from bot.errors import Unauthorized
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
    policy = request.app[POLICY]

    def work(session: Session):
        account_id = None
        if handle:
            # The account is attached only for a valid handle of this very conversation; an expired
            # one never blocks the request for a person.
            try:
                account_id = identity.resolve_handle(session, handle, conversation_id,
                                                         request.headers.get("X-Conversation-Channel")).account_id
            except Unauthorized:
                account_id = None
        return service.queue(session, policy, conversation_id, channel, reason, account_id)

    answer, created = await request.app[DB].run(work)
    if created:
        request.app[NOTIFIER].wake()
    return json_response(answer, status=201 if created else 200)
