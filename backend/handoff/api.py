"""`POST /api/v1/handoffs` (service token): the action server queues a chat for a person; the
tracker store's activity notice and the widget's reply email and typing notice (routes and shapes
in contract/)."""

from __future__ import annotations

import json

from aiohttp import web
from sqlalchemy.orm import Session

from backend import identity
from backend.api import validation as v
from backend.api.keys import DB, POLICY, SETTINGS
from backend.api.middleware import error_response, json_response
from backend.api.routes import idempotent
from backend.errors import ApiError, NotFound, Unauthorized
from backend.handoff import service
from backend.handoff.keys import LIVE, NOTIFIER
from backend.hashing import conversation_key
from backend.idempotency import Answer
from contract import shapes
from contract.routes import HANDOFF_ACTIVITY, HANDOFFS, REPLY_EMAIL, TYPING
from contract.validation import parse

routes = web.RouteTableDef()


@routes.post(HANDOFFS.path)
async def request_handoff(request: web.Request) -> web.Response:
    body = await v.json_object(request)
    checked = parse(shapes.HandoffBody, body)
    conversation_id, reason = checked["conversation_id"], checked["reason"]
    channel = checked.get("channel") or "unknown"
    handle = request.headers.get("X-Verification-Handle")
    handle = handle if handle is not None and v.is_unicode_text(handle) else None
    policy, settings = request.app[POLICY], request.app[SETTINGS]

    def work(session: Session) -> Answer:
        account_id = None
        if handle:
            # The account is attached only for a valid handle of this very conversation; an expired
            # one never blocks the request for a person.
            try:
                account_id = identity.resolve_handle(
                    session, handle, conversation_id, request.headers.get("X-Conversation-Channel")
                ).account_id
            except Unauthorized:
                account_id = None
        if account_id is None:
            service.check_anonymous_limits(
                session,
                conversation_id,
                per_conversation=settings.handoff_anonymous_per_conversation,
                window_seconds=settings.handoff_anonymous_window_seconds,
                max_open=settings.handoff_anonymous_max_open,
            )
        answer, created = service.queue(session, policy, conversation_id, channel, reason, account_id)
        return Answer(201 if created else 200, answer)

    # Keys of calls without a handle belong to the conversation (backend/idempotency.py).
    response = await idempotent(
        request, lambda _s: "conversation:" + conversation_key(conversation_id), body, work
    )
    if response.status == 201:
        request.app[NOTIFIER].wake()
    if response.status in (200, 201):
        request.app[LIVE].publish("queue", json.loads(response.text or "{}")["handoff"]["id"])
    return response


@routes.post(HANDOFF_ACTIVITY.path)
async def handoff_activity(request: web.Request) -> web.Response:
    """Rasa's tracker store: this conversation changed (bot/rasa_handoff_notice.py). Consoles that
    have its open handoff on screen reload its transcript."""
    conversation_id = parse(shapes.ConversationBody, await v.json_object(request))["conversation_id"]
    handoff_id = await request.app[DB].run(service.open_handoff_id, conversation_id)
    if handoff_id is not None:
        request.app[LIVE].publish("chat", handoff_id)
    return json_response({"open_handoff": handoff_id})


# The widget (on any site's origin, no cookies) posts the off-duty reply email here; its session id
# authorizes it (service.leave_reply_email).
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}
REPLY_EMAIL_PATH = REPLY_EMAIL.path


@routes.options(REPLY_EMAIL_PATH)
async def reply_email_preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=_CORS)


@routes.post(REPLY_EMAIL_PATH)
async def reply_email(request: web.Request) -> web.Response:
    """Off duty, the customer may leave an email for a reply (optional): {conversation_id, email}."""
    try:
        body = parse(shapes.ReplyEmailBody, await v.json_object(request))
        answer = await request.app[DB].run(
            service.leave_reply_email, request.app[POLICY], body["conversation_id"], body["email"]
        )
    except ApiError as exc:
        response = error_response(exc.status, exc.code, exc.message)
    else:
        request.app[NOTIFIER].wake()
        request.app[LIVE].publish("chat", answer["handoff_id"])
        response = json_response(answer)
    response.headers.update(_CORS)
    return response


TYPING_PATH = TYPING.path


@routes.options(TYPING_PATH)
async def typing_preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=_CORS)


@routes.post(TYPING_PATH)
async def customer_typing(request: web.Request) -> web.Response:
    """The widget: the customer is typing in a chat a person handles ({conversation_id}; the
    widget's session id authorizes it, as for the reply email). Consoles show it for a few seconds."""
    try:
        conversation_id = parse(shapes.ConversationBody, await v.json_object(request))["conversation_id"]
        handoff_id = await request.app[DB].run(service.open_handoff_id, conversation_id, "socketio")
        if handoff_id is None:
            raise NotFound("No open request for a person in this conversation.", "handoff_not_found")
    except ApiError as exc:
        response = error_response(exc.status, exc.code, exc.message)
    else:
        request.app[LIVE].publish("typing", handoff_id)
        response = json_response({"handoff_id": handoff_id})
    response.headers.update(_CORS)
    return response
