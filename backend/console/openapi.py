"""The staff console's routes in the backend's OpenAPI document (backend.server adds them to the
API's, generated from contract/).

Every route but the login page, the login itself and the static files needs the session cookie
(`consoleSession`); every POST also needs the session's CSRF token (`X-CSRF-Token` header or a
`csrf_token` field). Action routes take JSON (answer: JSON) or a form (answer: 303 back to a page).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from backend.api.openapi_schema import (
    BOOLEAN,
    CONSOLE_SESSION,
    DATE,
    DATE_TIME,
    MONEY,
    NULL_STRING,
    PUBLIC,
    STRING,
    array,
    content_answer,
    json_answer,
    json_body,
    obj,
    operation,
    redirect,
    ref,
)

PAGES, JSON_API, ACTIONS = "Staff console: pages", "Staff console: JSON reads", "Staff console: actions"
CONSOLE_TAGS = [
    {
        "name": PAGES,
        "description": "HTML pages for staff (docs/handoff.md); without a session: 303 to the login page.",
    },
    {"name": JSON_API, "description": "What the console's pages poll; without a session: 401."},
    {
        "name": ACTIONS,
        "description": "Take, reply, hand back, close, reassign, availability, duty override. "
        "JSON in, JSON out; or a form in, a 303 redirect out.",
    },
]
_ROLE = {"type": "string", "enum": ["agent", "supervisor"]}
_ERROR = ref("Error")
_HANDOFF_ID = {"name": "handoff_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CSRF = {
    "name": "X-CSRF-Token",
    "in": "header",
    "required": False,
    "schema": STRING,
    "description": "the session's CSRF token (or send it as the `csrf_token` field)",
}
_REFUSALS = {
    "400": json_answer(_ERROR, "Body is neither a JSON object nor a form"),
    "401": json_answer(_ERROR, "No valid session (JSON requests)"),
    "403": json_answer(_ERROR, "Missing or wrong CSRF token, or not allowed for this role"),
}
_READ_REFUSALS = {"401": json_answer(_ERROR, "No valid session")}

CONSOLE_SCHEMAS: Dict[str, Any] = {
    "StaffMember": obj(
        {
            "username": STRING,
            "display_name": STRING,
            "role": _ROLE,
            "available": BOOLEAN,
            "open_chats": {"type": "integer", "description": "chats assigned to them now"},
        },
        ["username", "display_name", "role", "available", "open_chats"],
    ),
    "ConsoleAccount": obj(
        {
            "account_number": STRING,
            "name": STRING,
            "tier": STRING,
            "sales_rep": NULL_STRING,
            "balance": MONEY,
            "balance_text": {**STRING, "description": "e.g. $1,250.00"},
            "contact": {**NULL_STRING, "description": "the verified user's name and masked email / phone"},
            "reason_text": {**NULL_STRING, "description": "the cancellation reason in words"},
            "services": array(
                obj(
                    {"id": STRING, "name": STRING, "plan": STRING, "status": STRING, "status_text": STRING},
                    ["id", "name", "plan", "status", "status_text"],
                )
            ),
            "open_cancellations": array(
                obj(
                    {
                        "confirmation_number": STRING,
                        "service_id": STRING,
                        "service_name": NULL_STRING,
                        "received_at": DATE_TIME,
                        "end_date": DATE,
                        "end_date_text": STRING,
                        "when": STRING,
                        "when_text": STRING,
                        "reason": NULL_STRING,
                        "reason_text": STRING,
                        "channel": STRING,
                    },
                    [
                        "confirmation_number",
                        "service_id",
                        "received_at",
                        "end_date",
                        "when",
                        "reason",
                        "channel",
                    ],
                )
            ),
            "payment_plans": array(ref("PaymentPlan")),
            "offers": array(
                obj(
                    {"title": STRING, "status": STRING, "status_text": STRING},
                    ["title", "status", "status_text"],
                )
            ),
            "equipment": array(
                obj(
                    {
                        "model": STRING,
                        "serial_last4": STRING,
                        "service_name": NULL_STRING,
                        "returned": BOOLEAN,
                        "tracking_number": NULL_STRING,
                    },
                    ["model", "serial_last4", "returned"],
                )
            ),
        },
        [
            "account_number",
            "name",
            "tier",
            "sales_rep",
            "balance",
            "balance_text",
            "contact",
            "services",
            "open_cancellations",
            "payment_plans",
            "offers",
            "equipment",
        ],
    ),
    "PaymentPlan": obj(
        {
            "balance": MONEY,
            "months": {"type": "integer", "minimum": 2},
            "monthly": MONEY,
            "noted_by": STRING,
            "owner": {**STRING, "description": "billing's owner (policy billing_owner), who sets it up"},
            "text": {**STRING, "description": "e.g. $1,250.00 over 6 months ($208.34 a month)"},
        },
        ["balance", "months", "monthly", "noted_by", "owner", "text"],
    ),
    "CannedReply": obj({"title": STRING, "text": STRING}, ["title", "text"]),
    "HandoffNote": obj({"by": NULL_STRING, "text": STRING, "at": DATE_TIME}, ["by", "text", "at"]),
    "TranscriptLine": obj(
        {
            "who": {
                "type": "string",
                "enum": ["customer", "assistant", "agent", "event", "system"],
                "description": "event: what the assistant or the backend did (verified, offer declined, ...)",
            },
            "name": {
                **NULL_STRING,
                "description": "who wrote it: the customer's name, Assistant, the agent's name",
            },
            "text": {**STRING, "description": "a button press shows as the title of the button pressed"},
            "time": {**STRING, "description": "HH:MM in the staff time zone"},
            "pressed": {"type": "boolean", "description": "the customer pressed a button"},
            "options": {**array(STRING), "description": "titles of the buttons the assistant offered"},
            "at": {"type": "number", "nullable": True, "description": "Unix time"},
        },
        ["who", "text", "at"],
    ),
}


def _action(
    summary: str,
    answer: Dict[str, Any],
    body_fields: Dict[str, Any],
    required=(),
    *,
    handoff: bool = True,
    extra: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    fields = {**body_fields, "csrf_token": {**STRING, "description": "instead of the X-CSRF-Token header"}}
    responses = {
        "200": json_answer(answer, "Done (JSON request)"),
        "303": redirect("Done (form post): back to the chat or the queue"),
        **_REFUSALS,
        **(extra or {}),
    }
    if handoff:
        responses["404"] = json_answer(_ERROR, "No such open handoff")
    return {
        "post": operation(
            summary,
            responses,
            tag=ACTIONS,
            security=CONSOLE_SESSION,
            parameters=([_HANDOFF_ID] if handoff else []) + [_CSRF],
            body=json_body(fields, required, form=True),
        )
    }


def _page(summary: str, parameters=()) -> Dict[str, Any]:
    return {
        "get": operation(
            summary,
            {
                "200": content_answer("text/html", "The page"),
                "303": redirect("No valid session: to /console/login"),
            },
            tag=PAGES,
            security=CONSOLE_SESSION,
            parameters=parameters,
        )
    }


_CLOSED = {
    "name": "closed",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["1"]},
    "description": "1: the closed handoffs too (the history)",
}
_FILTERS = [
    _CLOSED,
    {
        "name": "q",
        "in": "query",
        "required": False,
        "schema": STRING,
        "description": "search: account number, customer name, confirmation number or conversation id",
    },
    {
        "name": "view",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["all", "waiting", "mine"]},
    },
    {
        "name": "channel",
        "in": "query",
        "required": False,
        "schema": STRING,
        "description": "socketio, rest, slack, twilio",
    },
    {
        "name": "reason",
        "in": "query",
        "required": False,
        "schema": STRING,
        "description": "customer_request, fallback, verification_locked, policy:...",
    },
]
_HANDOFF_ANSWER = obj({"handoff": ref("Handoff")}, ["handoff"])
_CONFLICT = {"409": json_answer(_ERROR, "Closed, or someone else has the chat")}
_RASA_DOWN = {"502": json_answer(_ERROR, "Rasa unreachable; nothing was sent")}

_REPORT_FILTERS: List[Dict[str, Any]] = [
    {
        "name": "since",
        "in": "query",
        "required": False,
        "schema": DATE,
        "description": "first day (in the company's time zone, COMPANY_TIMEZONE) of the conversations' start; "
        "default: 30 days ending on until",
    },
    {
        "name": "until",
        "in": "query",
        "required": False,
        "schema": DATE,
        "description": "last day; default: today in the company's time zone",
    },
    *(
        {"name": name, "in": "query", "required": False, "schema": STRING, "description": f"only this {name}"}
        for name in ("channel", "tier", "reason")
    ),
]
_REPORT_TABLE = {
    "name": "table",
    "in": "path",
    "required": True,
    "schema": STRING,
    "description": "the table's id (docs/reports.md)",
}
_REPORT_TABLE_QUERY = {**_REPORT_TABLE, "in": "query"}
_REPORT_ROW = {
    "name": "row",
    "in": "query",
    "required": True,
    "schema": STRING,
    "description": "the row's label",
}


def _report_read(
    summary: str, media_type: str, description: str, parameters=(), extra=None
) -> Dict[str, Any]:
    """A reports route (docs/reports.md): supervisors only; period and filters from the query string."""
    return {
        "get": operation(
            summary,
            {
                "200": content_answer(media_type, description),
                "303": redirect("No valid session: to /console/login"),
                "403": content_answer("text/plain", "Not a supervisor"),
                "422": content_answer("text/html", "Bad date or range"),
                **(extra or {}),
            },
            tag=PAGES,
            security=CONSOLE_SESSION,
            parameters=[*parameters, *_REPORT_FILTERS],
        )
    }


CONSOLE_PATHS: Dict[str, Any] = {
    "/console/login": {
        "get": operation(
            "The sign-in page (sets the login CSRF cookie)",
            {"200": content_answer("text/html", "The sign-in form")},
            tag=PAGES,
            security=PUBLIC,
        ),
        "post": operation(
            "Sign in: sets the session cookie (JSON: answers the staff member and the session's CSRF token)",
            {
                "200": json_answer(
                    obj(
                        {
                            "staff": obj(
                                {"username": STRING, "display_name": STRING, "role": _ROLE},
                                ["username", "display_name", "role"],
                            ),
                            "csrf_token": STRING,
                        },
                        ["staff", "csrf_token"],
                    ),
                    "Signed in (JSON)",
                ),
                "303": redirect("Signed in (form): to the queue"),
                "400": json_answer(_ERROR, "Body is neither a JSON object nor a form"),
                "401": json_answer(_ERROR, "Wrong username or password, or locked for a while"),
                "403": json_answer(
                    _ERROR, "Missing or wrong login CSRF token (load GET /console/login first)"
                ),
            },
            tag=PAGES,
            security=PUBLIC,
            body=json_body(
                {
                    "username": STRING,
                    "password": {**STRING, "format": "password"},
                    "csrf_token": {**STRING, "description": "the login form's token (double-submit cookie)"},
                },
                ["username", "password", "csrf_token"],
                form=True,
            ),
        ),
    },
    "/console/logout": _action("Sign out", obj({"signed_out": BOOLEAN}, ["signed_out"]), {}, handoff=False),
    "/console": _page("Redirects to the queue"),
    "/console/": _page("Redirects to the queue"),
    "/console/queue": _page(
        "The queue page (search and filters; supervisors: staff and their load)", _FILTERS
    ),
    "/console/handoffs/{handoff_id}": _page(
        "One chat: transcript, account, reply and actions", [_HANDOFF_ID]
    ),
    "/console/api/me": {
        "get": operation(
            "The signed-in staff member and the session's CSRF token",
            {
                "200": json_answer(
                    obj(
                        {"username": STRING, "display_name": STRING, "role": _ROLE, "csrf_token": STRING},
                        ["username", "display_name", "role", "csrf_token"],
                    )
                ),
                **_READ_REFUSALS,
            },
            tag=JSON_API,
            security=CONSOLE_SESSION,
        )
    },
    "/console/api/handoffs": {
        "get": operation(
            "Open handoffs, oldest first (closed=1: the last 200 closed ones too), searched and filtered, and who is "
            "on duty",
            {
                "200": json_answer(
                    obj({"handoffs": array(ref("Handoff")), "duty": ref("Duty")}, ["handoffs", "duty"])
                ),
                **_READ_REFUSALS,
            },
            tag=JSON_API,
            security=CONSOLE_SESSION,
            parameters=_FILTERS,
        )
    },
    "/console/api/handoffs/{handoff_id}": {
        "get": operation(
            "One handoff with the verified account (if any) and the transcript from Rasa (null when Rasa is down)",
            {
                "200": json_answer(
                    obj(
                        {
                            "handoff": {
                                "allOf": [
                                    ref("Handoff"),
                                    obj(
                                        {"rasa_paused": {"type": "boolean", "nullable": True}},
                                        ["rasa_paused"],
                                    ),
                                ]
                            },
                            "account": {**ref("ConsoleAccount"), "nullable": True},
                            "notes": array(ref("HandoffNote")),
                            "transcript": {**array(ref("TranscriptLine")), "nullable": True},
                        },
                        ["handoff", "account", "notes", "transcript"],
                    )
                ),
                **_READ_REFUSALS,
                "404": json_answer(_ERROR, "No such handoff"),
            },
            tag=JSON_API,
            security=CONSOLE_SESSION,
            parameters=[_HANDOFF_ID],
        )
    },
    "/console/api/staff": {
        "get": operation(
            "Active staff users (for reassigning)",
            {"200": json_answer(obj({"staff": array(ref("StaffMember"))}, ["staff"])), **_READ_REFUSALS},
            tag=JSON_API,
            security=CONSOLE_SESSION,
        )
    },
    "/console/canned": {
        "get": _page("Canned replies: the list; supervisors also edit the file", [])["get"],
        "post": _action(
            "Supervisor: replace the canned replies file (YAML: a list of title and text); answers the "
            "replies it now holds",
            obj({"replies": array(ref("CannedReply"))}, ["replies"]),
            {"replies": {**STRING, "description": "the whole file"}},
            ["replies"],
            handoff=False,
            extra={"422": json_answer(_ERROR, "Not a valid list of replies")},
        )["post"],
    },
    "/console/api/canned": {
        "get": operation(
            "The canned replies",
            {"200": json_answer(obj({"replies": array(ref("CannedReply"))}, ["replies"])), **_READ_REFUSALS},
            tag=JSON_API,
            security=CONSOLE_SESSION,
        )
    },
    "/console/api/events": {
        "get": operation(
            "Server-sent events for the console's pages: `ready` once, then `queue` (a chat queued, taken, "
            "assigned, closed; availability or duty changed), `chat` (a chat's transcript changed) and "
            "`typing` (the customer is typing), each with data `{type, id}` (id: the handoff, or null); "
            "a comment line every 15 s; the stream ends when the session does",
            {"200": content_answer("text/event-stream", "The event stream"), **_READ_REFUSALS},
            tag=JSON_API,
            security=CONSOLE_SESSION,
        )
    },
    "/console/handoffs/{handoff_id}/take": _action(
        "Take the chat: pauses the assistant and tells the customer",
        _HANDOFF_ANSWER,
        {},
        extra={**_CONFLICT, **_RASA_DOWN},
    ),
    "/console/handoffs/{handoff_id}/reply": _action(
        "Send a message to the customer (after taking the chat)",
        obj({"sent": BOOLEAN}, ["sent"]),
        {"text": {**STRING, "maxLength": 2000}},
        ["text"],
        extra={**_CONFLICT, **_RASA_DOWN, "422": json_answer(_ERROR, "Empty or too long")},
    ),
    "/console/handoffs/{handoff_id}/revoke": _action(
        "Revoke one of the verified customer's cancellation requests, by the assistant's rule (before the end "
        "date, once), in a chat I hold (supervisor: any)",
        obj({"cancellation": ref("Cancellation")}, ["cancellation"]),
        {"confirmation_number": STRING},
        ["confirmation_number"],
        extra={
            **_CONFLICT,
            "404": json_answer(_ERROR, "No such request of this customer"),
            "422": json_answer(_ERROR, "No confirmation number"),
        },
    ),
    "/console/handoffs/{handoff_id}/payment-plan": _action(
        "Note a payment plan for the verified customer's balance (a task for billing), in a chat I hold "
        "(supervisor: any)",
        obj({"payment_plan": ref("PaymentPlan")}, ["payment_plan"]),
        {"months": {"type": "integer", "minimum": 2, "description": "up to policy payment_plan_max_months"}},
        ["months"],
        extra={**_CONFLICT, "422": json_answer(_ERROR, "Months missing or out of range")},
    ),
    "/console/handoffs/{handoff_id}/notes": _action(
        "Add an internal note (staff only; never sent to the customer); answers the chat's notes",
        obj({"notes": array(ref("HandoffNote"))}, ["notes"]),
        {"text": {**STRING, "maxLength": 2000}},
        ["text"],
        extra={"422": json_answer(_ERROR, "Empty or too long")},
    ),
    "/console/handoffs/{handoff_id}/handback": _action(
        "Hand the chat back to the assistant (closes the handoff)",
        _HANDOFF_ANSWER,
        {},
        extra={**_CONFLICT, **_RASA_DOWN},
    ),
    "/console/handoffs/{handoff_id}/close": _action(
        "Close the chat (supervisors)", _HANDOFF_ANSWER, {}, extra={**_CONFLICT, **_RASA_DOWN}
    ),
    "/console/handoffs/{handoff_id}/assign": _action(
        "Give the chat to a staff user (supervisors)",
        _HANDOFF_ANSWER,
        {"staff": {**STRING, "description": "username"}},
        ["staff"],
        extra={**_CONFLICT, "422": json_answer(_ERROR, "No such active staff user")},
    ),
    "/console/availability": _action(
        "Say whether you can take chats",
        obj({"available": BOOLEAN}, ["available"]),
        {"available": {"oneOf": [BOOLEAN, {"type": "string", "enum": ["1", "0", "true", "false"]}]}},
        ["available"],
        handoff=False,
        extra={"422": json_answer(_ERROR, "Not true or false")},
    ),
    "/console/duty": _action(
        "Override who is on duty (supervisors): auto follows business hours",
        obj({"duty": ref("Duty")}, ["duty"]),
        {"mode": {"type": "string", "enum": ["auto", "on", "off"]}},
        ["mode"],
        handoff=False,
        extra={"422": json_answer(_ERROR, "Unknown mode")},
    ),
    "/console/reports": _report_read(
        "The reports page: figures of a period, with filters and charts", "text/html", "The page"
    ),
    "/console/stats": {
        "get": operation(
            "Redirects to the reports page (/console/reports), with the same query string",
            {"303": redirect("To /console/reports; without a valid session: to /console/login")},
            tag=PAGES,
            security=CONSOLE_SESSION,
        )
    },
    "/console/reports/export/{table}.csv": _report_read(
        "One table of the report as CSV",
        "text/csv",
        "The table (attachment)",
        [_REPORT_TABLE],
        {"404": content_answer("text/plain", "No such table")},
    ),
    "/console/reports/conversations": _report_read(
        "The conversations behind one figure, named by the start of their conversation key, each "
        "linking to its transcript (those that asked for a person also to their chat)",
        "text/html",
        "The list (at most 500)",
        [_REPORT_TABLE_QUERY, _REPORT_ROW],
        {"404": content_answer("text/html", "No such figure")},
    ),
    "/console/reports/conversations/{key}": {
        "get": operation(
            "One conversation of a drill-down: its figures and its redacted transcript from Rasa (the "
            "conversation id is unsealed for this supervisor; the opening is audited)",
            {
                "200": content_answer("text/html", "The conversation"),
                "303": redirect("No valid session: to /console/login"),
                "403": content_answer("text/plain", "Not a supervisor"),
                "404": content_answer("text/html", "Unknown conversation, or no id kept for it"),
            },
            tag=PAGES,
            security=CONSOLE_SESSION,
            parameters=[
                {
                    "name": "key",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "description": "the conversation key (keyed hash of the conversation id)",
                }
            ],
        )
    },
    "/console/reports/static/{name}": {
        "get": operation(
            "The reports page's charts (no data in it)",
            {
                "200": content_answer("application/javascript", "The bundle"),
                "404": {"description": "No such file"},
            },
            tag=PAGES,
            security=PUBLIC,
            parameters=[
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["reports.js"]},
                }
            ],
        )
    },
    "/console/static/{name}": {
        "get": operation(
            "The console's CSS and JavaScript",
            {
                "200": {
                    "description": "The file",
                    "content": {"text/css": {"schema": STRING}, "application/javascript": {"schema": STRING}},
                },
                "404": {"description": "No such file"},
            },
            tag=PAGES,
            security=PUBLIC,
            parameters=[
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["console.css", "console.js"]},
                }
            ],
        )
    },
}
