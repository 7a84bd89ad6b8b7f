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
import html
import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

from aiohttp import web
from sqlalchemy.orm import Session

from bot import audit
from bot.api.keys import DB, POLICY, SETTINGS
from bot.api.validation import is_unicode_text, parse_json_object
from bot.console import CANNED_PATH, canned
from bot.errors import ApiError, Conflict, InvalidField, NotFound
from bot.handoff import auth, service, words
from bot.handoff.auth import Staff
from bot.handoff.keys import LIVE, RASA
from bot.handoff.rasa import RasaError
from bot.handoff.transcript import transcript

log = logging.getLogger("bot.console")
routes = web.RouteTableDef()
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
MAX_REPLY = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
BACK_WITH_ASSISTANT = (
    "You're back with the assistant. I can carry on with your cancellation or help with "
    "anything else: just tell me what you need."
)


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


# --------------------------------------------------------------------------- responses


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(
        body, status=status, headers=SECURITY_HEADERS, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


def _error(status: int, code: str, message: str) -> web.Response:
    return _json({"error": code, "message": message}, status=status)


def _page(
    title: str,
    body: str,
    *,
    page: str = "",
    staff: Optional[Staff] = None,
    status: int = 200,
    extra_attrs: str = "",
) -> web.Response:
    nav = ""
    if staff is not None:
        nav = (
            f'<span>{e(staff.display_name)} <span class="badge">{e(staff.role)}</span></span>'
            f'<a href="/console/queue">Queue</a>'
            + '<a href="/console/queue?closed=1">History</a><a href="/console/canned">Canned replies</a>'
            + ('<a href="/console/reports">Reports</a>' if staff.is_supervisor else "")
            + f'<form method="post" action="/console/logout"><input type="hidden" name="csrf_token" '
            f'value="{e(staff.csrf_token)}"><button class="secondary" type="submit">Sign out</button></form>'
        )
    text = (
        (TEMPLATES / "layout.html")
        .read_text(encoding="utf-8")
        .replace("{{title}}", e(title))
        .replace("{{csrf}}", e(staff.csrf_token if staff else ""))
        .replace("{{nav}}", nav)
        .replace('data-page="{{page}}"', f'data-page="{e(page)}"{extra_attrs}')
        .replace("{{body}}", body)
    )
    return web.Response(text=text, content_type="text/html", status=status, headers=SECURITY_HEADERS)


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
            return _page(
                "Not possible",
                f'<section class="card"><p class="error">{e(exc.message)}</p>'
                f'<p><a href="/console/queue">Back to the queue</a></p></section>',
                staff=staff,
                status=exc.status,
            )
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
            return _page(
                "Rasa unavailable",
                f'<section class="card"><p class="error">{e(message)}</p></section>',
                staff=staff,
                status=status,
            )

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
    body = (
        (TEMPLATES / "login.html")
        .read_text(encoding="utf-8")
        .replace("{{login_csrf}}", e(token))
        .replace("{{error}}", f'<p class="error" role="alert">{e(error)}</p>' if error else "")
    )
    response = _page("Sign in", body, page="login", status=status)
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
    staff = result.staff
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
    _set_cookie(
        response, request, SESSION_COOKIE, result.session_id, request.app[SETTINGS].console_session_seconds
    )
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


def _waited(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _hidden(staff: Staff) -> str:
    return f'<input type="hidden" name="csrf_token" value="{e(staff.csrf_token)}">'


def _customer(h: Dict[str, Any]) -> str:
    if h["account_number"]:
        return f"{h['customer_name']} · {h['account_number']}"
    return "Not verified"


def _handoff_state(h: Dict[str, Any]) -> str:
    """'Waiting', 'With Alex', 'Closed: handed back to the assistant'."""
    if h["status"] == "assigned" and h["assigned_to"]:
        return f"With {h['assigned_to']}"
    if h["status"] == "closed" and h["outcome_text"]:
        return f"Closed: {h['outcome_text'][0].lower()}{h['outcome_text'][1:]}"
    return h["status_text"]


def _queue_row(h: Dict[str, Any]) -> str:
    return (
        f'<tr><td><a href="/console/handoffs/{h["id"]}">#{h["id"]}</a></td>'
        f"<td>{e(_customer(h))}</td><td>{e(_handoff_state(h))}</td><td>{e(h['reason_text'])}</td>"
        f"<td>{e(h['channel_text'])}</td><td>{_waited(h['waiting_seconds'])}</td></tr>"
    )


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


def _select(name: str, label: str, options, chosen: str) -> str:
    items = "".join(
        f'<option value="{e(v)}"{" selected" if v == chosen else ""}>{e(t)}</option>' for v, t in options
    )
    return f'<label for="f-{name}">{e(label)}</label> <select id="f-{name}" name="{name}">{items}</select>'


def _staff_table(people) -> str:
    rows = "".join(
        f"<tr><td>{e(p['display_name'])}</td><td>{e(p['role'])}</td>"
        f"<td>{'available' if p['available'] else 'not available'}</td><td>{p['open_chats']}</td></tr>"
        for p in people
    )
    return (
        '<section class="card"><h2>Staff</h2><table aria-label="Staff and their load"><thead><tr><th>Name</th>'
        f'<th>Role</th><th>Now</th><th>Open chats</th></tr></thead><tbody id="staff-rows">{rows}</tbody>'
        "</table></section>"
    )


@routes.get("/console/queue")
@staff_only
async def queue_page(request: web.Request, staff: Staff) -> web.Response:
    filters = _filters(request)
    closed = filters["include_closed"]
    policy = request.app[POLICY]

    def work(session: Session):
        return (
            service.list_handoffs(session, staff, **filters),
            service.duty(session, policy),
            service.staff_list(session),
        )

    handoffs, duty, people = await request.app[DB].run(work)
    rows = (
        "".join(_queue_row(h) for h in handoffs)
        or '<tr><td colspan="6" class="notice">No chats here.</td></tr>'
    )
    me = next((p for p in people if p["username"] == staff.username), {"available": False})
    duty_text = (
        "On duty"
        if duty.on_duty
        else "Off duty" + (f" until {service.opening_text(duty.next_opening)}" if duty.next_opening else "")
    )
    override = ""
    if staff.is_supervisor:
        options = "".join(
            f'<option value="{m}"{" selected" if m == duty.mode else ""}>{label}</option>'
            for m, label in (
                ("auto", "Business hours (auto)"),
                ("on", "On duty now"),
                ("off", "Off duty now"),
            )
        )
        override = (
            f'<form method="post" action="/console/duty" data-ajax="reload">{_hidden(staff)}'
            f'<label for="duty-mode">Duty</label> <select id="duty-mode" name="mode">{options}</select> '
            f'<button type="submit" class="secondary">Set</button></form>'
        )
    search = (
        f'<form method="get" action="/console/queue" class="filters" role="search">'
        f"{'<input type=hidden name=closed value=1>' if closed else ''}"
        f'<label for="f-q">Search</label> <input id="f-q" name="q" value="{e(filters["search"])}" '
        f'placeholder="account, name, confirmation number, conversation id" maxlength="100">'
        + _select("view", "Show", (("all", "All"), ("waiting", "Waiting"), ("mine", "Mine")), filters["view"])
        + _select("channel", "Channel", [("", "Any")] + list(words.CHANNELS.items()), filters["channel"])
        + _select("reason", "Reason", [("", "Any")] + list(words.HANDOFF_REASONS.items()), filters["reason"])
        + '<button type="submit" class="secondary">Filter</button></form>'
    )
    body = f"""
<section class="card">
  <h1>{"History: open and closed chats" if closed else "Queue"}</h1>
  <p id="flash" class="ok" role="status"></p>
  <p><strong id="duty-text">{e(duty_text)}</strong></p>
  <div class="actions">
    <form method="post" action="/console/availability" data-ajax="reload">{_hidden(staff)}
      <input type="hidden" name="available" value="{"0" if me["available"] else "1"}">
      <button type="submit" class="secondary">{"Mark me unavailable" if me["available"] else "Mark me available"}</button>
    </form>
    {override}
  </div>
  {search}
  <p id="status" class="error" role="status"></p>
  <table aria-label="Chats">
    <thead><tr><th>Chat</th><th>Customer</th><th>Status</th><th>Reason</th><th>Channel</th><th>Waited</th></tr></thead>
    <tbody id="queue-rows">{rows}</tbody>
  </table>
</section>
{_staff_table(people) if staff.is_supervisor else ""}"""
    return _page("Queue", body, page="queue", staff=staff)


def _transcript_html(lines) -> str:
    if lines is None:
        return '<li class="system">The transcript cannot be loaded right now (Rasa unreachable).</li>'
    out = []
    for line in lines:
        time = f"<time>{e(line['time'])}</time>" if line.get("time") else ""
        if line["who"] in ("event", "system"):
            out.append(f'<li class="{e(line["who"])}">{time}<span class="text">{e(line["text"])}</span></li>')
            continue
        options = line.get("options") or []
        offered = f'<span class="options">Offered: {e(" · ".join(options))}</span>' if options else ""
        pressed = ' <span class="badge">button</span>' if line.get("pressed") else ""
        out.append(
            f'<li class="{e(line["who"])}">{time}<span class="who">{e(line["name"])}</span>{pressed}'
            f'<span class="text">{e(line["text"])}</span>{offered}</li>'
        )
    return "".join(out) or '<li class="system">No messages yet.</li>'


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


def _notes_html(notes, zone: str) -> str:
    items = "".join(
        f'<li><time>{e(words.clock(n["at"], zone))}</time><span class="who">{e(n["by"])}</span>'
        f'<span class="text">{e(n["text"])}</span></li>'
        for n in notes
    )
    return items or '<li class="muted">No notes yet.</li>'


def _account_html(account: Optional[Dict[str, Any]], revoke: str = "", hidden: str = "") -> str:
    """The customer panel: the cancellation's state at a glance (service.account_summary)."""
    if not account:
        return (
            '<p class="notice"><strong>Not verified.</strong> The customer has not verified an account in '
            "this chat: do not discuss account details.</p>"
        )
    services = (
        "".join(
            f'<li>{e(s["name"])} <span class="muted">({e(s["plan"])})</span>: '
            f"<strong>{e(s['status_text'])}</strong></li>"
            for s in account["services"]
        )
        or "<li>none</li>"
    )
    requests = (
        "".join(
            f"<li><strong>{e(c['confirmation_number'])}</strong>: {e(c['service_name'] or c['service_id'])}, "
            f"ends {e(c['end_date_text'])} ({e(c['when_text'])})"
            + (
                f'<form method="post" action="{revoke}" data-ajax="reload" class="inline">{hidden}'
                f'<input type="hidden" name="confirmation_number" value="{e(c["confirmation_number"])}">'
                f'<button type="submit" class="secondary small">Revoke {e(c["confirmation_number"])}</button></form>'
                if revoke
                else ""
            )
            + "</li>"
            for c in account["open_cancellations"]
        )
        or "<li>none</li>"
    )
    offers = (
        "".join(
            f"<li>{e(o['title'])}: <strong>{e(o['status_text'])}</strong></li>" for o in account["offers"]
        )
        or "<li>none in this chat</li>"
    )
    equipment = (
        "".join(
            f"<li>{e(q['model'])} (serial …{e(q['serial_last4'])}): "
            f"{'on its way back, tracking ' + e(q['tracking_number']) if q['returned'] else 'to return'}</li>"
            for q in account["equipment"]
        )
        or "<li>none</li>"
    )
    return (
        f'<p class="verified">Verified in this chat</p>'
        f"<dl><dt>Account</dt><dd>{e(account['account_number'])} · {e(account['name'])}</dd>"
        f"<dt>Contact</dt><dd>{e(account['contact'] or 'none on file')}</dd>"
        f"<dt>Tier</dt><dd>{e(account['tier'])}</dd>"
        f"<dt>Balance</dt><dd>{e(account['balance_text'])}</dd>"
        f"<dt>Reason</dt><dd>{e(account['reason_text'] or 'not given')}</dd>"
        f"<dt>Sales rep</dt><dd>{e(account['sales_rep'] or 'none')}</dd></dl>"
        f"<h3>Services</h3><ul>{services}</ul>"
        f"<h3>Open cancellation requests</h3><ul>{requests}</ul>"
        f"<h3>Offer</h3><ul>{offers}</ul>"
        f"<h3>Equipment</h3><ul>{equipment}</ul>"
    )


@routes.get("/console/handoffs/{handoff_id}")
@staff_only
async def chat_page(request: web.Request, staff: Staff) -> web.Response:
    handoff_id = _id(request)
    d = await _detail(request, staff, handoff_id, True)
    hid = d["id"]
    is_open = d["status"] != "closed"
    can_write = is_open and (d["assigned_to_me"] or staff.is_supervisor)
    forms = []
    if d["status"] == "queued":
        forms.append(
            f'<form method="post" action="/console/handoffs/{hid}/take" data-ajax="reload">{_hidden(staff)}'
            f'<button type="submit">Take this chat</button></form>'
        )
    if can_write:
        forms.append(
            f'<form method="post" action="/console/handoffs/{hid}/handback" data-ajax="queue" '
            f'data-done="Chat #{hid} is back with the assistant.">{_hidden(staff)}'
            f'<button type="submit" class="secondary">Hand back to the assistant</button></form>'
        )
    if is_open and staff.is_supervisor:
        forms.append(
            f'<form method="post" action="/console/handoffs/{hid}/close" data-ajax="queue" '
            f'data-done="Chat #{hid} is closed.">{_hidden(staff)}'
            f'<button type="submit" class="secondary">Close</button></form>'
        )
        people = await request.app[DB].run(service.staff_list)
        options = "".join(
            f'<option value="{e(p["username"])}">{e(p["display_name"])} ({e(p["role"])}'
            f"{', available' if p['available'] else ''})</option>"
            for p in people
        )
        forms.append(
            f'<form method="post" action="/console/handoffs/{hid}/assign" data-ajax="reload">{_hidden(staff)}'
            f'<label for="assign-to">Assign to</label> <select id="assign-to" name="staff">{options}</select> '
            f'<button type="submit" class="secondary">Assign</button></form>'
        )
    if can_write and d["status"] == "assigned":
        replies = canned.load(request.app[CANNED_PATH])
        picker = (
            (
                '<label for="canned" class="sr-only">Canned reply</label><select id="canned" class="canned-pick">'
                '<option value="">Canned reply…</option>'
                + "".join(
                    f'<option value="{i}" data-text="{e(r["text"])}">{e(r["title"])}</option>'
                    for i, r in enumerate(replies)
                )
                + "</select>"
            )
            if replies
            else ""
        )
        reply = (
            f'<form id="reply" method="post" action="/console/handoffs/{hid}/reply" data-ajax="clear" '
            f'class="composer">{_hidden(staff)}{picker}<label for="reply-text" class="sr-only">Reply to the customer'
            f'</label><textarea id="reply-text" name="text" maxlength="{MAX_REPLY}" required '
            f'placeholder="Reply to the customer (Enter sends, Shift+Enter for a new line)"></textarea>'
            f'<button type="submit">Send</button></form>'
        )
    elif d["status"] == "queued":
        reply = (
            '<p class="notice">The customer is waiting and the assistant is paused for them. '
            "Take this chat to answer.</p>"
            if d["paused"]
            else '<p class="notice">The assistant is still answering this customer; take this chat to answer '
            "yourself (the assistant then pauses).</p>"
        )
    elif is_open:
        reply = f'<p class="notice">{e(d["assigned_to"])} is answering this chat.</p>'
    else:
        reply = (
            f'<p class="notice">Closed {e(d["closed_at"] and "by " + (d["closed_by"] or "staff"))}: '
            f"{e(d['outcome_text'])}.</p>"
        )
    state = _handoff_state(d)
    revoke_url = f"/console/handoffs/{hid}/revoke" if can_write and d["status"] == "assigned" else ""
    body = f"""
<div class="grid chat" id="chat" data-handoff="{hid}" data-status="{e(d["status"])}">
  <section class="card conversation">
    <div class="chat-head">
      <h1>Chat #{hid} <span class="muted">{e(_customer(d))}</span></h1>
      <p><strong id="handoff-status">{e(state)}</strong> · {e(d["reason_text"])} · {e(d["channel_text"])}
         · waited {_waited(d["waiting_seconds"])}</p>
      {f'<p class="reply-email">Reply by email: <strong>{e(d["reply_email"])}</strong></p>' if d["reply_email"] else ""}
      <div class="actions">{"".join(forms)}</div>
    </div>
    <ol class="transcript" id="transcript" aria-label="Transcript" aria-live="polite">{_transcript_html(d["transcript"])}</ol>
    <p id="typing" class="typing" hidden>The customer is typing…</p>
    <p id="status" class="error" role="status"></p>
    {reply}
  </section>
  <aside class="card panel"><h2>Customer</h2>{_account_html(d["account"], revoke_url, _hidden(staff))}
    <h2>Internal notes</h2><p class="muted">For staff only: the customer never sees these.</p>
    <ul id="notes" class="notes">{_notes_html(d["notes"], request.app[POLICY].business_hours.timezone)}</ul>
    <form id="note" method="post" action="/console/handoffs/{hid}/notes" data-ajax="reload" class="stack">{_hidden(staff)}
      <label for="note-text" class="sr-only">Internal note</label>
      <textarea id="note-text" name="text" maxlength="{service.MAX_NOTE}" required placeholder="Internal note"></textarea>
      <button type="submit" class="secondary">Add note</button></form>
  </aside>
</div>"""
    return _page(f"Chat #{hid}", body, page="chat", staff=staff, extra_attrs=f' data-handoff="{hid}"')


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
    """Server-sent events (bot/handoff/live.py) until the browser leaves or the session ends."""
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
    items = "".join(f"<li><strong>{e(r['title'])}</strong><br>{e(r['text'])}</li>" for r in canned.load(path))
    editor = ""
    if staff.is_supervisor:
        editor = (
            f'<form method="post" action="/console/canned" data-ajax="reload" class="stack">{_hidden(staff)}'
            f'<label for="canned-file">The file ({e(path.name)}): a list of entries with title and text</label>'
            f'<textarea id="canned-file" name="replies" rows="16" spellcheck="false">'
            f'{e(canned.read_text(path))}</textarea><button type="submit">Save canned replies</button></form>'
        )
    body = (
        f'<section class="card"><h1>Canned replies</h1><p id="status" class="error" role="status"></p>'
        f'<ul class="canned">{items or "<li>none yet</li>"}</ul>{editor}</section>'
    )
    return _page("Canned replies", body, page="canned", staff=staff)


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
