"""`POST /api/v1/handoffs` (service token): the action server queues a chat for a person."""
from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot import identity
from bot.api import validation as v
from bot.api.keys import DB, POLICY
from bot.api.middleware import error_response, json_response
from bot.errors import ApiError, NotFound, Unauthorized
from bot.handoff import service
from bot.handoff.keys import LIVE, NOTIFIER

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
                account_id = identity.resolve_handle(session, handle, conversation_id).account_id
            except Unauthorized:
                account_id = None
        return service.queue(session, policy, conversation_id, channel, reason, account_id)

    answer, created = await request.app[DB].run(work)
    if created:
        request.app[NOTIFIER].wake()
    request.app[LIVE].publish("queue", answer["handoff"]["id"])
    return json_response(answer, status=201 if created else 200)


@routes.post("/api/v1/handoffs/activity")
async def handoff_activity(request: web.Request) -> web.Response:
    """Rasa's tracker store: this conversation changed (bot/rasa_handoff_notice.py). Consoles that
    have its open handoff on screen reload its transcript."""
    body = await v.json_object(request)
    conversation_id = v.string(body, "conversation_id")
    handoff_id = await request.app[DB].run(service.open_handoff_id, conversation_id)
    if handoff_id is not None:
        request.app[LIVE].publish("chat", handoff_id)
    return json_response({"open_handoff": handoff_id})


# The widget (on any site's origin, no cookies) posts the off-duty reply email here; its session id
# authorizes it (service.leave_reply_email).
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, OPTIONS",
         "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}
REPLY_EMAIL_PATH = "/widget/v1/reply-email"


@routes.options(REPLY_EMAIL_PATH)
async def reply_email_preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=_CORS)


@routes.post(REPLY_EMAIL_PATH)
async def reply_email(request: web.Request) -> web.Response:
    """Off duty, the customer may leave an email for a reply (optional): {conversation_id, email}."""
    try:
        body = await v.json_object(request)
        conversation_id = v.string(body, "conversation_id")
        email = v.string(body, "email", max_len=254)
        answer = await request.app[DB].run(service.leave_reply_email, request.app[POLICY], conversation_id, email)
    except ApiError as exc:
        response = error_response(exc.status, exc.code, exc.message)
    else:
        request.app[NOTIFIER].wake()
        request.app[LIVE].publish("chat", answer["handoff_id"])
        response = json_response(answer)
    response.headers.update(_CORS)
    return response


TYPING_PATH = "/widget/v1/typing"


@routes.options(TYPING_PATH)
async def typing_preflight(request: web.Request) -> web.Response:
    return web.Response(status=204, headers=_CORS)


@routes.post(TYPING_PATH)
async def customer_typing(request: web.Request) -> web.Response:
    """The widget: the customer is typing in a chat a person handles ({conversation_id}; the
    widget's session id authorizes it, as for the reply email). Consoles show it for a few seconds."""
    try:
        body = await v.json_object(request)
        conversation_id = v.string(body, "conversation_id")
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
