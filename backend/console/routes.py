"""Console routes: login/logout, the queue, one chat (transcript from Rasa, account, reply, take,
hand back, close, reassign), availability and the supervisor's on-duty override.

Every route but the login page and the static files needs a valid session: pages redirect to the
login page, JSON calls get 401. Every POST needs the session's CSRF token (header `X-CSRF-Token`
or field `csrf_token`); the login form uses a double-submit cookie. Action routes take a form
(answer: 303 back to the page) or JSON (answer: JSON).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

from aiohttp import web
from sqlalchemy.orm import Session

from backend import audit
from backend.api.keys import DB, POLICY, SETTINGS
from backend.api.validation import is_unicode_text, parse_json_object
from backend.console import CANNED_PATH, canned
from backend.console.pages import SECURITY_HEADERS, error_page, render
from backend.errors import ApiError, Conflict, InvalidField, NotFound
from backend.handoff import auth, service, words
from backend.handoff.auth import Staff
from backend.handoff.keys import LIVE, RASA
from backend.handoff.live import STREAM_END
from backend.handoff.rasa import RasaError
from backend.handoff.transcript import transcript

log = logging.getLogger("backend.console")
routes = web.RouteTableDef()
STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
MAX_REPLY = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BACK_WITH_ASSISTANT = (
    "You're back with the assistant. I can carry on with your cancellation or help with "
    "anything else: just tell me what you need."
)


# --------------------------------------------------------------------------- responses


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(
        body, status=status, headers=SECURITY_HEADERS, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def _error(status: int, code: str, message: str) -> web.Response:
    return _json({"error": code, "message": message}, status=status)


def _wants_json(request: web.Request) -> bool:
    return (
        request.path.startswith("/console/api/")
        or request.content_type == "application/json"
        or "application/json" in request.headers.get("Accept", "")
    )


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, **SECURITY_HEADERS})


# --------------------------------------------------------------------------- session guard

Handler = Callable[[web.Request, Staff], Awaitable[web.StreamResponse]]


async def _body(request: web.Request) -> Dict[str, Any]:
    """The POST body as a dict (JSON object or form fields); 400 otherwise."""
    if request.content_type == "application/json":
        return parse_json_object(await request.read() or b"{}")  # BadRequest: 400 invalid_json
    if request.content_type in ("application/x-www-form-urlencoded", "application/octet-stream", ""):
        try:
            fields = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        except (ValueError, UnicodeDecodeError):
            fields = None
        if fields is None or not is_unicode_text(fields):
            raise ApiError("The form holds text that is not valid Unicode.", "invalid_form")
        return fields
    raise ApiError("Send a form or a JSON object.", "unsupported_media_type")


def staff_only(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Resolve the session cookie; on POST also check the CSRF token. Refusals: 401 JSON or a
    redirect to the login page; 403 for a bad CSRF token."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        session_id = request.cookies.get(SESSION_COOKIE)
        staff = await request.app[DB].run(auth.resolve_session, session_id) if session_id else None
        if staff is None:
            if _wants_json(request):
                return _error(401, "unauthorized", "Sign in to the staff console first.")
            return _redirect("/console/login")
        if request.method == "POST":
            try:
                body = await _body(request)
            except ApiError as exc:
                return _error(400, exc.code, exc.message)
            request["body"] = body
            token = request.headers.get("X-CSRF-Token") or body.get("csrf_token")
            if not auth.csrf_ok(staff, token if isinstance(token, str) else None):
                return _error(403, "csrf", "Missing or wrong CSRF token; reload the page and try again.")
        try:
            return await handler(request, staff)
        except ApiError as exc:
            if _wants_json(request):
                return _error(exc.status, exc.code, exc.message)
            return error_page(staff, "Not possible", exc.message, exc.status, back=True)
        except (RasaError, asyncio.TimeoutError) as exc:
            # asyncio.TimeoutError is not the built-in TimeoutError on Python 3.10: a slow Rasa is a
            # 504, an unreachable or refusing one a 502; neither is a 500.
            timed_out = isinstance(exc, asyncio.TimeoutError)
            message = (
                "The assistant (Rasa) did not answer in time; it may not have received this. Try again."
                if timed_out
                else "The assistant (Rasa) cannot be reached right now; nothing was sent. Try again."
            )
            status, code = (504, "rasa_timeout") if timed_out else (502, "rasa_unavailable")
            if _wants_json(request):
                return _error(status, code, message)
            return error_page(staff, "Rasa unavailable", message, status)

    return wrapped


def _id(request: web.Request) -> int:
    raw = request.match_info.get("handoff_id", "")
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound("No such open handoff.", "handoff_not_found")
    return int(raw)


def _after(
    request: web.Request, handoff_id: Optional[int], answer: Dict[str, Any], changed: Optional[int] = None
) -> web.Response:
    """The answer of an action (JSON, or 303 back to the chat or the queue); every open console
    page hears that the queue (and chat `changed` or `handoff_id`) changed."""
    request.app[LIVE].publish("queue", changed or handoff_id)
    if _wants_json(request):
        return _json(answer)
    return _redirect(f"/console/handoffs/{handoff_id}" if handoff_id else "/console/queue")


# --------------------------------------------------------------------------- login / logout


def _set_cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
    )


@routes.get("/console/login")
async def login_page(request: web.Request) -> web.Response:
    return _login_form(request)


def _login_form(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = render(
        "login.html", title="Sign in", page="login", status=status, login_csrf=token, error=error
    )
    _set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 3600)
    return response


def client_address(request: web.Request, trusted_proxies) -> str:
    """The address a login comes from: the peer, or, when the peer is a trusted reverse proxy
    (TRUSTED_PROXIES), the nearest untrusted address in its X-Forwarded-For."""
    peer = request.remote or "unknown"
    if peer not in trusted_proxies:
        return peer
    chain = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    for hop in reversed(chain):
        if hop not in trusted_proxies:
            return hop[:64]
    return peer


@routes.post("/console/login")
async def login(request: web.Request) -> web.Response:
    wants_json = request.content_type == "application/json"
    try:
        body = await _body(request)
    except ApiError as exc:
        return _error(400, exc.code, exc.message)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = body.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if (
        not cookie
        or not isinstance(given, str)
        or not (cookie + given).isascii()
        or not hmac.compare_digest(cookie.encode(), given.encode())
    ):
        if wants_json:
            return _error(403, "csrf", "Missing or wrong login CSRF token; load the login page first.")
        return _login_form(request, "Your sign-in form expired; please try again.", status=403)
    username, password = body.get("username"), body.get("password")
    if (
        not isinstance(username, str)
        or not isinstance(password, str)
        or not username
        or not password
        or len(username) > 60
        or len(password) > 200
    ):
        result = auth.LoginResult(False)
    else:
        settings = request.app[SETTINGS]
        limits = auth.LoginLimits(
            settings.console_login_failures_per_client,
            settings.console_login_failures_per_ip,
            settings.console_login_backoff_seconds,
            settings.console_login_backoff_max_seconds,
        )
        result = await request.app[DB].run(
            auth.login,
            username,
            password,
            settings.console_session_seconds,
            client_address(request, settings.trusted_proxies),
            limits,
        )
    if not result.ok:
        message = "Wrong username or password, or too many attempts: try again later."
        return (
            _error(401, "login_failed", message) if wants_json else _login_form(request, message, status=401)
        )
    staff, session_id = result.staff, result.session_id
    assert staff is not None and session_id is not None  # a successful login has both
    response = (
        _json(
            {
                "staff": {"username": staff.username, "display_name": staff.display_name, "role": staff.role},
                "csrf_token": staff.csrf_token,
            }
        )
        if wants_json
        else _redirect("/console/queue")
    )
    _set_cookie(response, request, SESSION_COOKIE, session_id, request.app[SETTINGS].console_session_seconds)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@routes.post("/console/logout")
@staff_only
async def logout(request: web.Request, staff: Staff) -> web.Response:
    await request.app[DB].run(auth.logout, request.cookies.get(SESSION_COOKIE))
    response = _json({"signed_out": True}) if _wants_json(request) else _redirect("/console/login")
    response.del_cookie(SESSION_COOKIE, path="/console")
    return response


# --------------------------------------------------------------------------- pages


@routes.get("/console")
@routes.get("/console/")
@staff_only
async def home(request: web.Request, staff: Staff) -> web.Response:
    return _redirect("/console/queue")


def _filters(request: web.Request) -> Dict[str, Any]:
    """The queue's search and filters from the query string (service.list_handoffs)."""
    q = request.query
    return {
        "include_closed": q.get("closed") == "1",
        "search": q.get("q", "")[:100],
        "view": q.get("view", "all") if q.get("view") in service.VIEWS else "all",
        "channel": q.get("channel", "") if q.get("channel") in words.CHANNELS else "",
        "reason": q.get("reason", "") if q.get("reason") in words.HANDOFF_REASONS else "",
    }


@routes.get("/console/queue")
@staff_only
async def queue_page(request: web.Request, staff: Staff) -> web.Response:
    filters = _filters(request)
    policy = request.app[POLICY]

    def work(session: Session):
        return (
            service.list_handoffs(session, staff, **filters),
            service.duty(session, policy),
            service.staff_list(session),
        )

    handoffs, duty, people = await request.app[DB].run(work)
    me = next((p for p in people if p["username"] == staff.username), {"available": False})
    duty_text = (
        "On duty"
        if duty.on_duty
        else "Off duty" + (f" until {service.opening_text(duty.next_opening)}" if duty.next_opening else "")
    )
    return render(
        "queue.html",
        title="Queue",
        page="queue",
        staff=staff,
        filters=filters,
        handoffs=handoffs,
        people=people,
        available=me["available"],
        duty_text=duty_text,
        duty_mode=duty.mode,
        channels=list(words.CHANNELS.items()),
        reasons=list(words.HANDOFF_REASONS.items()),
    )


async def _detail(request: web.Request, staff: Staff, handoff_id: int, audit_view: bool) -> Dict[str, Any]:
    data = await request.app[DB].run(service.detail, staff, handoff_id, audit_view)
    activity = data.pop("activity")
    data["notes"] = data.pop("notes")
    zone = request.app[POLICY].business_hours.timezone
    try:
        tracker = await request.app[RASA].tracker(data["conversation_id"])
        data["transcript"] = transcript(tracker, zone, data["customer_name"], activity)
        data["rasa_paused"] = bool(tracker.get("paused"))
    except (RasaError, asyncio.TimeoutError):
        data["transcript"], data["rasa_paused"] = None, None
    return data


@routes.get("/console/handoffs/{handoff_id}")
@staff_only
async def chat_page(request: web.Request, staff: Staff) -> web.Response:
    handoff_id = _id(request)
    d = await _detail(request, staff, handoff_id, True)
    is_open = d["status"] != "closed"
    can_write = is_open and (d["assigned_to_me"] or staff.is_supervisor)
    people = await request.app[DB].run(service.staff_list) if is_open and staff.is_supervisor else []
    replies = canned.load(request.app[CANNED_PATH]) if can_write and d["status"] == "assigned" else []
    return render(
        "chat.html",
        title=f"Chat #{d['id']}",
        page="chat",
        staff=staff,
        handoff_id=d["id"],
        d=d,
        is_open=is_open,
        can_write=can_write,
        people=people,
        replies=replies,
        zone=request.app[POLICY].business_hours.timezone,
        max_reply=MAX_REPLY,
        max_note=service.MAX_NOTE,
        max_plan_months=request.app[POLICY].payment_plan_max_months,
    )


# --------------------------------------------------------------------------- JSON reads


@routes.get("/console/api/me")
@staff_only
async def me(request: web.Request, staff: Staff) -> web.Response:
    return _json(
        {
            "username": staff.username,
            "display_name": staff.display_name,
            "role": staff.role,
            "csrf_token": staff.csrf_token,
        }
    )


@routes.get("/console/api/handoffs")
@staff_only
async def api_handoffs(request: web.Request, staff: Staff) -> web.Response:
    filters = _filters(request)
    policy = request.app[POLICY]

    def work(session: Session):
        return service.list_handoffs(session, staff, **filters), service.duty(session, policy).as_dict()

    handoffs, duty = await request.app[DB].run(work)
    return _json({"handoffs": handoffs, "duty": duty})


@routes.get("/console/api/handoffs/{handoff_id}")
@staff_only
async def api_handoff(request: web.Request, staff: Staff) -> web.Response:
    d = await _detail(request, staff, _id(request), False)
    transcript_lines = d.pop("transcript")
    return _json(
        {"handoff": d, "account": d.pop("account"), "notes": d.pop("notes"), "transcript": transcript_lines}
    )


KEEP_ALIVE_SECONDS = 15.0


@routes.get("/console/api/events")
@staff_only
async def live_events(request: web.Request, staff: Staff) -> web.StreamResponse:
    """Server-sent events (backend/handoff/live.py) until the browser leaves or the session ends."""
    response = web.StreamResponse(
        headers={**SECURITY_HEADERS, "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    try:
        with request.app[LIVE].follow() as queue:
            await response.write(b"event: ready\ndata: {}\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
                except asyncio.TimeoutError:
                    if await request.app[DB].run(auth.resolve_session, session_id) is None:
                        break  # signed out or expired: the page's next call goes to the login
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is STREAM_END:
                    break  # the server is stopping; the browser reconnects (to another replica)
                await response.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
    except ConnectionResetError:
        pass
    return response


@routes.get("/console/api/staff")
@staff_only
async def api_staff(request: web.Request, staff: Staff) -> web.Response:
    return _json({"staff": await request.app[DB].run(service.staff_list)})


# --------------------------------------------------------------------------- actions


def _agent_event(name: str, text: str, channel: str) -> Dict[str, Any]:
    """A message from a person. On the website widget (socketio) it goes as custom data only, so the
    widget shows it with the agent's name and its own style: Rasa sends `text` and `custom` as two
    separate messages, and its socket.io output emits `custom` as `sio.emit("bot_uttered", **custom)`,
    so the widget receives `custom["data"]` = `{"from": "agent", "name", "text"}`. Other channels get
    the text."""
    event: Dict[str, Any] = {"event": "bot", "metadata": {"agent": name}}
    if channel == "socketio":
        event["data"] = {"custom": {"data": {"from": "agent", "name": name, "text": text}}}
    else:
        event["text"] = text
    return event


def _assistant_back_event(outcome: str, channel: str) -> Dict[str, Any]:
    event: Dict[str, Any] = {"event": "bot", "text": BACK_WITH_ASSISTANT, "metadata": {"handoff": outcome}}
    if channel == "socketio":
        event = {
            "event": "bot",
            "metadata": {"handoff": outcome},
            "data": {
                "custom": {"data": {"from": "assistant", "handoff": "ended", "text": BACK_WITH_ASSISTANT}}
            },
        }
    return event


async def _pause_and_say(request: web.Request, handoff: Dict[str, Any], name: str, text: str) -> None:
    """Pause the assistant (unless it already is) and tell the customer who answers."""
    rasa = request.app[RASA]
    tracker = await rasa.tracker(handoff["conversation_id"])
    events = [] if tracker.get("paused") else [{"event": "pause"}]
    events.append(_agent_event(name, text, handoff["channel"]))
    await rasa.append(handoff["conversation_id"], events)


@routes.post("/console/handoffs/{handoff_id}/take")
@staff_only
async def take(request: web.Request, staff: Staff) -> web.Response:
    handoff_id = _id(request)
    db = request.app[DB]
    handoff = await db.run(service.take, staff, handoff_id)
    await _pause_and_say(
        request,
        handoff,
        staff.display_name,
        f"{staff.display_name} from our support team has joined the chat.",
    )
    await db.run(service.mark_paused, staff, handoff_id, True)
    handoff["paused"] = True
    return _after(request, handoff_id, {"handoff": handoff})


@routes.post("/console/handoffs/{handoff_id}/reply")
@staff_only
async def reply(request: web.Request, staff: Staff) -> web.Response:
    handoff_id = _id(request)
    text = request["body"].get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidField("text", "must not be empty")
    text = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if len(text) > MAX_REPLY:
        raise InvalidField("text", f"must be at most {MAX_REPLY} characters")
    db = request.app[DB]
    handoff = await db.run(service.check_can_answer, staff, handoff_id)
    if handoff.status != "assigned":
        raise Conflict("Take this chat first: it is still waiting in the queue.", "not_taken")
    await request.app[RASA].append(
        handoff.conversation_id, [_agent_event(staff.display_name, text, handoff.channel)]
    )
    await db.run(service.record_reply, staff, handoff_id, len(text))
    return _after(request, handoff_id, {"sent": True})


@routes.post("/console/handoffs/{handoff_id}/revoke")
@staff_only
async def revoke_request(request: web.Request, staff: Staff) -> web.Response:
    """Revoke one of the verified customer's cancellation requests (service.revoke_for_customer)."""
    handoff_id = _id(request)
    number = request["body"].get("confirmation_number")
    if not isinstance(number, str) or not number.strip() or len(number) > 20:
        raise InvalidField("confirmation_number", "is required")
    policy = request.app[POLICY]
    answer = await request.app[DB].run(service.revoke_for_customer, policy, staff, handoff_id, number.strip())
    return _after(request, handoff_id, {"cancellation": answer})


@routes.post("/console/handoffs/{handoff_id}/payment-plan")
@staff_only
async def payment_plan(request: web.Request, staff: Staff) -> web.Response:
    """Note a payment plan for the verified customer's balance (service.payment_plan_for_customer)."""
    handoff_id = _id(request)
    months = request["body"].get("months")
    if isinstance(months, str) and months.strip().isdigit():
        months = int(months.strip())
    if isinstance(months, bool) or not isinstance(months, int):
        raise InvalidField("months", "must be a whole number of months")
    policy = request.app[POLICY]
    plan = await request.app[DB].run(service.payment_plan_for_customer, policy, staff, handoff_id, months)
    return _after(request, handoff_id, {"payment_plan": plan})


@routes.post("/console/handoffs/{handoff_id}/notes")
@staff_only
async def add_note(request: web.Request, staff: Staff) -> web.Response:
    """An internal note on the chat: for staff only, never sent to Rasa or the customer."""
    handoff_id = _id(request)
    text = request["body"].get("text")
    if not isinstance(text, str):
        raise InvalidField("text", "is required")
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    answer = await request.app[DB].run(service.add_note, staff, handoff_id, text)
    return _after(request, handoff_id, {"notes": answer})


async def _give_back(request: web.Request, staff: Staff, handoff_id: int, outcome: str) -> web.Response:
    db, rasa = request.app[DB], request.app[RASA]
    handoff = await db.run(service.check_can_answer, staff, handoff_id)
    if outcome == "closed" and not staff.is_supervisor:
        raise service.Forbidden("Only a supervisor can close a chat; hand it back to the assistant instead.")
    tracker = await rasa.tracker(handoff.conversation_id)
    if outcome == "handed_back" or tracker.get("paused"):
        # Resume, tell the customer, and listen: the next message gets the assistant's answer.
        await rasa.append(
            handoff.conversation_id,
            [
                {"event": "resume"},
                _assistant_back_event(outcome, handoff.channel),
                {"event": "action", "name": "action_listen"},
            ],
        )
    answer = await db.run(service.close, staff, handoff_id, outcome)
    return _after(request, None, {"handoff": answer}, changed=handoff_id)


@routes.post("/console/handoffs/{handoff_id}/handback")
@staff_only
async def handback(request: web.Request, staff: Staff) -> web.Response:
    return await _give_back(request, staff, _id(request), "handed_back")


@routes.post("/console/handoffs/{handoff_id}/close")
@staff_only
async def close(request: web.Request, staff: Staff) -> web.Response:
    return await _give_back(request, staff, _id(request), "closed")


@routes.post("/console/handoffs/{handoff_id}/assign")
@staff_only
async def assign(request: web.Request, staff: Staff) -> web.Response:
    handoff_id = _id(request)
    username = request["body"].get("staff")
    if not isinstance(username, str):
        raise InvalidField("staff", "is required")
    db = request.app[DB]
    answer = await db.run(service.assign, staff, handoff_id, username)
    # The customer hears who is coming (and the assistant pauses for that person).
    name = answer["assigned_to"]
    await _pause_and_say(
        request,
        answer,
        name,
        f"{name} from our support team is taking over this chat and will answer you here.",
    )
    await db.run(service.mark_paused, staff, handoff_id, True)
    answer["paused"] = True
    return _after(request, handoff_id, {"handoff": answer})


@routes.post("/console/availability")
@staff_only
async def availability(request: web.Request, staff: Staff) -> web.Response:
    raw = request["body"].get("available")
    if raw not in (True, False, "1", "0", "true", "false"):
        raise InvalidField("available", "must be true or false")
    available = raw in (True, "1", "true")
    value = await request.app[DB].run(service.set_available, staff, available)
    return _after(request, None, {"available": value})


@routes.post("/console/duty")
@staff_only
async def duty_mode(request: web.Request, staff: Staff) -> web.Response:
    mode = request["body"].get("mode")
    policy = request.app[POLICY]

    def work(session: Session):
        service.set_duty_mode(session, staff, mode if isinstance(mode, str) else "")
        return service.duty(session, policy).as_dict()

    return _after(request, None, {"duty": await request.app[DB].run(work)})


# --------------------------------------------------------------------------- canned replies


@routes.get("/console/canned")
@staff_only
async def canned_page(request: web.Request, staff: Staff) -> web.Response:
    """The canned replies; a supervisor edits the file here (YAML: a list of title and text)."""
    path = request.app[CANNED_PATH]
    return render(
        "canned.html",
        title="Canned replies",
        page="canned",
        staff=staff,
        replies=canned.load(path),
        file_name=path.name,
        file_text=canned.read_text(path) if staff.is_supervisor else "",
    )


@routes.get("/console/api/canned")
@staff_only
async def api_canned(request: web.Request, staff: Staff) -> web.Response:
    return _json({"replies": canned.load(request.app[CANNED_PATH])})


@routes.post("/console/canned")
@staff_only
async def save_canned(request: web.Request, staff: Staff) -> web.Response:
    if not staff.is_supervisor:
        raise service.Forbidden("Only a supervisor can change the canned replies.")
    text = request["body"].get("replies")
    if not isinstance(text, str) or len(text) > 200_000:
        raise InvalidField("replies", "is required (the file's text)")
    replies = canned.save(request.app[CANNED_PATH], text.replace("\r\n", "\n"))
    await request.app[DB].run(
        lambda session: audit.record(
            session, "canned_replies_updated", staff=staff.username, replies=len(replies)
        )
    )
    return _json({"replies": replies}) if _wants_json(request) else _redirect("/console/canned")


# --------------------------------------------------------------------------- static


@routes.get("/console/static/{name}")
async def static(request: web.Request) -> web.StreamResponse:
    """The console's CSS and JS (public: no data in them)."""
    name = request.match_info["name"]
    types = {"console.css": "text/css", "console.js": "application/javascript"}
    if name not in types:
        raise web.HTTPNotFound()
    return web.Response(
        body=(STATIC / name).read_bytes(),
        content_type=types[name],
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )
