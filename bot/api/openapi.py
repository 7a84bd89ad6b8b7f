"""OpenAPI 3 description of the backend, served at /openapi.json (service token) and, as a public
copy for the API reference page, at /docs/openapi.json.

Kept by hand next to the routes: this module describes the API (/api/v1/...), bot/console/openapi.py
the staff console and bot/web/openapi.py the public pages. tests/handoff/test_openapi_answers.py checks that
the document lists exactly the routes of the app `cancel-backend serve` runs and that real answers
match the response schemas.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

from bot.api.openapi_schema import DATE as _DATE
from bot.api.openapi_schema import DATE_TIME, INTEGER, NULL_DATE_TIME, NULL_STRING, PUBLIC, obj, operation
from bot.api.openapi_schema import MONEY as _MONEY
from bot.api.openapi_schema import NULL_DATE as _NULL_DATE
from bot.api.openapi_schema import STRING as _S
from bot.api.openapi_schema import json_answer as _json
from bot.api.openapi_schema import json_body as _body
from bot.api.openapi_schema import ref as _ref

_ERRORS = {
    "400": _json(_ref("Error"), "Body is not a JSON object"),
    "401": _json(_ref("Error"), "Missing/wrong service token, or invalid verification handle"),
    "413": _json(_ref("Error"), "Body larger than 64 KiB"),
    "422": _json(_ref("Error"), "Invalid field (named in `field`)"),
}
_HANDLE = [
    {"name": "X-Verification-Handle", "in": "header", "required": True, "schema": _S},
    {"name": "X-Conversation-Id", "in": "header", "required": True, "schema": _S},
    {
        "name": "X-Conversation-Channel",
        "in": "header",
        "required": False,
        "schema": _S,
        "description": "input channel the handle is used from; must be the one verify/start named",
    },
]
_CONFIRMATION = {
    "name": "confirmation_number",
    "in": "path",
    "required": True,
    "schema": _S,
    "description": "XXXX-XXXX-XXXX, any case, dashes optional",
}
_SERVICE_ID = {"name": "service_id", "in": "path", "required": True, "schema": _S}
_KEY_DOC = (
    "1-200 printable characters. A replay with the same request answers the first status and body; "
    "the same key with another request is refused with 409 idempotency_key_reused (docs/security.md)"
)


def _key(required: bool = False) -> Dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": required,
        "schema": _S,
        "description": _KEY_DOC,
    }


_REUSED = {
    "409": _json({"$ref": "#/components/schemas/Error"}, "Idempotency-Key already used with another request")
}


# tag of each API path, by prefix (first match)
_TAGS = [
    ("/api/v1/verify", "Verification"),
    ("/api/v1/services/", "Ending a service"),
    ("/api/v1/offers", "Ending a service"),
    ("/api/v1/services", "Account"),
    ("/api/v1/balance", "Account"),
    ("/api/v1/equipment", "Account"),
    ("/api/v1/cancellations", "Cancellation requests"),
    ("/api/v1/refunds", "Cancellation requests"),
    ("/api/v1/handoffs", "Handoff to a person"),
    ("/api/v1/dev", "Development"),
    ("/widget/v1/", "Handoff to a person"),
    ("/", "Service"),
]


def _op(
    summary: str,
    responses: Dict[str, Any],
    *,
    handle: bool = True,
    body=None,
    params=(),
    secured: bool = True,
) -> Dict[str, Any]:
    parameters = list(params) + (_HANDLE if handle else [])
    return operation(
        summary,
        {**responses, **(_ERRORS if secured else {})},
        tag="",
        parameters=parameters,
        body=body,
        security=None if secured else PUBLIC,
    )


_SCHEMAS: Dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": _S, "message": _S, "field": _S, "retry_after": {"type": "integer"}},
    },
    "Service": {
        "type": "object",
        "properties": {
            "id": _S,
            "name": _S,
            "plan": _S,
            "price": _MONEY,
            "billing_period": {"type": "string", "enum": ["monthly", "annual"]},
            "next_anniversary": _DATE,
            "bundle": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "id": _S,
                    "name": _S,
                    "members": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"id": _S, "name": _S}},
                    },
                },
            },
            "status": {"type": "string", "enum": ["active", "cancellation_pending", "cancelled"]},
            "pending_cancellation": {
                "type": "object",
                "properties": {"confirmation_number": _S, "end_date": _DATE},
            },
        },
    },
    "Equipment": {
        "type": "object",
        "properties": {
            "id": _S,
            "service_id": _S,
            "model": _S,
            "serial_last4": _S,
            "kind": _S,
            "retail_price": _MONEY,
            "non_return_fee": _MONEY,
            "tracking_number": {"type": "string", "nullable": True},
            "rma": {
                "type": "string",
                "nullable": True,
                "description": "return authorisation, issued at filing",
            },
        },
    },
    "Balance": {
        "type": "object",
        "properties": {
            "balance": _MONEY,
            "currency": _S,
            "invoices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"number": _S, "amount_due": _MONEY, "due_date": _DATE},
                },
            },
            "due_at_cancellation": {"type": "boolean"},
            "blocks_filing": {"type": "boolean"},
            "how_to_pay": _S,
        },
    },
    "Preview": {
        "type": "object",
        "required": [
            "service",
            "when",
            "end_date",
            "refund",
            "final_bill_items",
            "renewal_warning",
            "explanation",
            "balance",
            "equipment",
            "return_deadline",
            "non_return_fee_total",
            "terms",
        ],
        "properties": {
            "service": _ref("Service"),
            "when": {"type": "string", "enum": ["immediate", "end_of_period", "date"]},
            "end_date": _DATE,
            "refund": _MONEY,
            "final_bill_items": {"type": "array", "items": _ref("BillItem")},
            "renewal_warning": {"type": "string", "nullable": True},
            "explanation": _S,
            "balance": _ref("Balance"),
            "equipment": {
                "type": "array",
                "items": _ref("Equipment"),
                "description": "devices still to return (no tracking number reported)",
            },
            "return_deadline": _NULL_DATE,
            "non_return_fee_total": _MONEY,
            "terms": {**_S, "description": "what the final yes accepts, in the customer's words"},
        },
    },
    "BillItem": {"type": "object", "properties": {"description": _S, "amount": _MONEY}},
    "Quote": {
        "type": "object",
        "properties": {
            "when": {"type": "string", "enum": ["immediate", "end_of_period", "date"]},
            "end_date": _DATE,
            "refund": _MONEY,
            "final_bill_items": {"type": "array", "items": _ref("BillItem")},
            "renewal_warning": {"type": "string", "nullable": True},
            "equipment_return_deadline": _NULL_DATE,
            "explanation": _S,
        },
    },
    "Offer": {
        "type": "object",
        "properties": {
            "id": _S,
            "kind": {"type": "string", "enum": ["discount", "downgrade", "pause", "plan_switch"]},
            "title": _S,
            "description": _S,
        },
    },
    "Cancellation": {
        "type": "object",
        "properties": {
            "confirmation_number": _S,
            "status": {"type": "string", "enum": ["received", "revoked", "completed"]},
            "received_at": {"type": "string", "format": "date-time"},
            "service": _ref("Service"),
            "when": _S,
            "end_date": _DATE,
            "reason": {"type": "string", "nullable": True},
            "final_bill_items": {"type": "array", "items": _ref("BillItem")},
            "balance": _MONEY,
            "equipment": {"type": "array", "items": _ref("Equipment")},
            "return_deadline": _NULL_DATE,
            "non_return_fee_total": _MONEY,
            "next_steps": {"type": "array", "items": _S},
            "survey_url": _S,
            "receipt_sent_to": {"type": "string", "nullable": True},
            "revoked_at": {"type": "string", "format": "date-time", "nullable": True},
            "receipt_url": {
                "type": "string",
                "nullable": True,
                "description": "signed, expiring link to the PDF receipt",
            },
            "label_url": {
                "type": "string",
                "nullable": True,
                "description": "signed link to the prepaid return label (devices to return)",
            },
            "return_directions": {
                "type": "string",
                "nullable": True,
                "description": "written return directions where no label can be produced",
            },
        },
    },
}

_PATHS: Dict[str, Any] = {
    "/health": {
        "get": _op(
            "Liveness",
            {"200": _json({"type": "object", "properties": {"status": _S}})},
            handle=False,
            secured=False,
        )
    },
    "/openapi.json": {"get": _op("This document", {"200": _json({"type": "object"})}, handle=False)},
    "/api/v1/verify/start": {
        "post": _op(
            "Start verification for an account number, email or phone (same answer for unknown ones)",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"attempt_id": _S, "factors": {"type": "array", "items": _S}},
                    }
                )
            },
            handle=False,
            body=_body(
                {"identifier": _S, "conversation_id": _S, "channel": {"type": "string", "nullable": True}},
                ["identifier", "conversation_id"],
            ),
        )
    },
    "/api/v1/verify/otp": {
        "post": _op(
            "Send a one-time code to the registered email/phone (same answer for unknown accounts)",
            {
                "202": _json({"type": "object", "properties": {"sent": {"type": "boolean"}, "to": _S}}),
                "404": _json(_ref("Error"), "Unknown or expired attempt"),
            },
            handle=False,
            body=_body({"attempt_id": _S}, ["attempt_id"]),
        )
    },
    "/api/v1/verify": {
        "post": _op(
            "Check the second factor; issue a handle bound to the conversation",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "handle": _S,
                            "expires_at": {"type": "string", "format": "date-time"},
                            "customer_first_name": _S,
                        },
                    }
                ),
                "429": _json(_ref("Error"), "Locked; `retry_after` seconds"),
            },
            handle=False,
            body=_body(
                {
                    "attempt_id": _S,
                    "factor": _S,
                    "factor_type": {"type": "string", "enum": ["zip", "pin", "otp"]},
                },
                ["attempt_id", "factor"],
            ),
        )
    },
    "/api/v1/services": {
        "get": _op(
            "Active services of the account",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"services": {"type": "array", "items": _ref("Service")}},
                    }
                )
            },
        )
    },
    "/api/v1/balance": {"get": _op("Outstanding balance", {"200": _json(_ref("Balance"))})},
    "/api/v1/equipment": {
        "get": _op(
            "Leased equipment and non-return fees",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "equipment": {"type": "array", "items": _ref("Equipment")},
                            "return_window_days": {"type": "integer"},
                        },
                    }
                ),
                "404": _json(_ref("Error"), "Unknown service"),
            },
            params=[{"name": "service_id", "in": "query", "required": False, "schema": _S}],
        )
    },
    "/api/v1/services/{service_id}/quote": {
        "get": _op(
            "End options with end date, refund, final-bill items and warnings",
            {
                "200": _json(
                    {"type": "object", "properties": {"options": {"type": "array", "items": _ref("Quote")}}}
                ),
                "404": _json(_ref("Error"), "Unknown service"),
            },
            params=[
                _SERVICE_ID,
                {
                    "name": "when",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["immediate", "end_of_period", "date"]},
                },
                {"name": "date", "in": "query", "required": False, "schema": _DATE},
            ],
        )
    },
    "/api/v1/services/{service_id}/preview": {
        "post": _op(
            "The whole summary the customer confirms before filing: service, end date, final bill, balance, "
            "equipment to return and the terms (nothing is changed)",
            {
                "200": _json(_ref("Preview")),
                "404": _json(_ref("Error"), "Unknown service"),
            },
            params=[_SERVICE_ID],
            body=_body(
                {
                    "when": {"type": "string", "enum": ["immediate", "end_of_period", "date"]},
                    "date": _DATE,
                    "backup_confirmed": {"type": "boolean"},
                },
                ["when"],
            ),
        )
    },
    "/api/v1/services/{service_id}/offer": {
        "post": _op(
            "The one retention offer for this service in this conversation (recorded as made)",
            {
                **_REUSED,
                "200": _json(
                    {"type": "object", "properties": {"offer": {**_ref("Offer"), "nullable": True}}}
                ),
                "404": _json(_ref("Error"), "Unknown service"),
            },
            params=[_SERVICE_ID, _key()],
            body=_body({"reason": {"type": "string", "nullable": True}}),
        )
    },
    "/api/v1/offers/{offer_id}/outcome": {
        "post": _op(
            "Accept (applies the save) or decline an offer",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "offer": _ref("Offer"),
                            "status": {"type": "string", "enum": ["accepted", "declined"]},
                        },
                    }
                ),
                "404": _json(_ref("Error"), "Unknown offer"),
                "409": _json(_ref("Error"), "Already decided otherwise, or Idempotency-Key reused"),
            },
            params=[{"name": "offer_id", "in": "path", "required": True, "schema": _S}, _key()],
            body=_body({"accepted": {"type": "boolean"}}, ["accepted"]),
        )
    },
    "/api/v1/cancellations": {
        "post": _op(
            "File a cancellation request (idempotent per Idempotency-Key: a replay answers the first 201 again)",
            {
                "201": _json(_ref("Cancellation"), "Filed"),
                "200": _json(_ref("Cancellation"), "Replay of a key used before answers were stored"),
                "404": _json(_ref("Error"), "Unknown service"),
                "409": _json(_ref("Error"), "Already requested, key reused, or balance blocks filing"),
            },
            params=[_key(required=True)],
            body=_body(
                {
                    "service_id": _S,
                    "when": {"type": "string", "enum": ["immediate", "end_of_period", "date"]},
                    "date": _DATE,
                    "reason": {"type": "string", "nullable": True},
                    "backup_confirmed": {"type": "boolean", "enum": [True]},
                    "terms_accepted": {"type": "boolean", "enum": [True]},
                    "channel": _S,
                },
                ["service_id", "when", "backup_confirmed", "terms_accepted", "channel"],
            ),
        )
    },
    "/api/v1/cancellations/{confirmation_number}": {
        "get": _op(
            "Status of a request of the verified account",
            {"200": _json(_ref("Cancellation")), "404": _json(_ref("Error"), "Unknown or another account's")},
            params=[_CONFIRMATION],
        )
    },
    "/api/v1/cancellations/{confirmation_number}/revoke": {
        "post": _op(
            "Revoke a request before its end date",
            {
                "200": _json(_ref("Cancellation")),
                "404": _json(_ref("Error"), "Unknown"),
                "409": _json(
                    _ref("Error"), "End date reached, already revoked (without a replayed key), or key reused"
                ),
            },
            params=[_CONFIRMATION, _key()],
        )
    },
    "/api/v1/cancellations/{confirmation_number}/tracking": {
        "post": _op(
            "Report the tracking number of returned equipment",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "recorded": {"type": "boolean"},
                            "equipment": {"type": "array", "items": _ref("Equipment")},
                        },
                    }
                ),
                "404": _json(_ref("Error"), "Unknown request or device"),
                "409": _json(_ref("Error"), "Nothing to return, or Idempotency-Key reused"),
            },
            params=[_CONFIRMATION, _key()],
            body=_body({"tracking_number": _S, "equipment_id": _S}, ["tracking_number"]),
        )
    },
    "/api/v1/refunds": {
        "post": _op(
            "Request a refund (credit up to the policy threshold, billing review above)",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "status": {"type": "string", "enum": ["credit_processing", "under_review"]},
                            "amount": _MONEY,
                            "message": _S,
                        },
                    }
                ),
                **_REUSED,
                "404": _json(_ref("Error"), "Unknown service"),
            },
            params=[_key(required=True)],
            body=_body({"amount": _MONEY, "reason": _S, "service_id": _S}, ["amount", "reason"]),
        )
    },
    "/api/v1/dev/outbox": {
        "get": _op(
            "Sent codes and receipts (only with DEV_OUTBOX=1; 404 otherwise)",
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "messages": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "to": _S,
                                        "channel": _S,
                                        "kind": _S,
                                        "body": _S,
                                        "code": _S,
                                        "created_at": {"type": "string", "format": "date-time"},
                                    },
                                },
                            }
                        },
                    }
                ),
                "404": _json(_ref("Error"), "Dev outbox disabled"),
            },
            handle=False,
            params=[{"name": "to", "in": "query", "required": False, "schema": _S}],
        )
    },
    "/api/v1/handoffs": {
        "post": _op(
            "Queue the chat for a person (docs/handoff.md); one open handoff per conversation. The handle "
            "headers are optional: with a valid handle the verified account is attached",
            {
                "201": _json(_ref("QueuedHandoff"), "Queued"),
                "200": _json(_ref("QueuedHandoff"), "Already queued: the open handoff"),
                **_REUSED,
            },
            handle=False,
            params=[
                _key(),
                {"name": "X-Verification-Handle", "in": "header", "required": False, "schema": _S},
                {"name": "X-Conversation-Id", "in": "header", "required": False, "schema": _S},
            ],
            body=_body(
                {
                    "conversation_id": _S,
                    "reason": {"type": "string", "example": "customer_request"},
                    "channel": {"type": "string", "nullable": True},
                },
                ["conversation_id", "reason"],
            ),
        )
    },
    "/widget/v1/reply-email": {
        "post": _op(
            "The website widget, off duty: the customer leaves an email for a reply (optional). No token: the "
            "widget's session id authorizes it, so only a waiting `socketio` handoff qualifies; CORS open",
            {
                "200": _json(
                    obj(
                        {
                            "handoff_id": {"type": "integer"},
                            "reply_email": {**_S, "description": "masked"},
                            "next_opening_text": NULL_STRING,
                        },
                        ["handoff_id", "reply_email", "next_opening_text"],
                    ),
                    "Kept",
                ),
                "404": _json(_ref("Error"), "No waiting website-chat handoff in this conversation"),
                "422": _json(_ref("Error"), "Not an email address"),
            },
            handle=False,
            secured=False,
            body=_body({"conversation_id": _S, "email": _S}, ["conversation_id", "email"]),
        ),
        "options": _op(
            "CORS preflight of the widget's reply email",
            {"204": {"description": "Allowed"}},
            handle=False,
            secured=False,
        ),
    },
    "/widget/v1/typing": {
        "post": _op(
            "The website widget: the customer is typing in a chat a person handles (the staff console shows it). "
            "The widget's session id authorizes it: only an open `socketio` handoff qualifies; CORS open",
            {
                "200": _json(obj({"handoff_id": {"type": "integer"}}, ["handoff_id"]), "Told the consoles"),
                "404": _json(_ref("Error"), "No open website-chat handoff in this conversation"),
            },
            handle=False,
            secured=False,
            body=_body({"conversation_id": _S}, ["conversation_id"]),
        ),
        "options": _op(
            "CORS preflight of the widget's typing notice",
            {"204": {"description": "Allowed"}},
            handle=False,
            secured=False,
        ),
    },
    "/api/v1/handoffs/activity": {
        "post": _op(
            "Rasa's tracker store (bot/rasa_handoff_notice.py): a paused or just-handed-off conversation changed; "
            "consoles showing its open handoff reload the transcript",
            {
                "200": _json(
                    obj({"open_handoff": {"type": "integer", "nullable": True}}, ["open_handoff"]),
                    "The open handoff's id, or null (nothing to tell)",
                )
            },
            handle=False,
            body=_body({"conversation_id": _S}, ["conversation_id"]),
        )
    },
}

_HANDOFF_STATUS = {"type": "string", "enum": ["queued", "assigned", "closed"]}
_SCHEMAS.update(
    {
        "Duty": obj(
            {
                "on_duty": {"type": "boolean"},
                "mode": {"type": "string", "enum": ["auto", "on", "off"]},
                "why": {
                    "type": "string",
                    "enum": ["override", "outside_business_hours", "no_staff_available", "business_hours"],
                },
                "next_opening": NULL_DATE_TIME,
                "next_opening_text": NULL_STRING,
            },
            ["on_duty", "mode", "why", "next_opening", "next_opening_text"],
        ),
        "Handoff": obj(
            {
                "id": INTEGER,
                "conversation_id": _S,
                "channel": _S,
                "reason": _S,
                "status": _HANDOFF_STATUS,
                "paused": {"type": "boolean"},
                "on_duty": {"type": "boolean"},
                "account_number": NULL_STRING,
                "assigned_to": {**NULL_STRING, "description": "display name of the staff user"},
                "assigned_to_me": {
                    "type": "boolean",
                    "nullable": True,
                    "description": "null outside the console (no staff user asked)",
                },
                "created_at": DATE_TIME,
                "assigned_at": NULL_DATE_TIME,
                "closed_at": NULL_DATE_TIME,
                "closed_by": NULL_STRING,
                "outcome": {"type": "string", "nullable": True, "enum": ["handed_back", "closed", None]},
                "waiting_seconds": INTEGER,
                "customer_name": NULL_STRING,
                "reason_text": {**_S, "description": "the reason in words (bot/handoff/words.py)"},
                "channel_text": _S,
                "status_text": _S,
                "outcome_text": NULL_STRING,
                "reply_email": {**NULL_STRING, "description": "left by the customer for a reply (off duty)"},
            },
            [
                "id",
                "conversation_id",
                "channel",
                "reason",
                "status",
                "paused",
                "on_duty",
                "account_number",
                "assigned_to",
                "assigned_to_me",
                "created_at",
                "assigned_at",
                "closed_at",
                "closed_by",
                "outcome",
                "waiting_seconds",
            ],
        ),
    }
)
_SCHEMAS["QueueWait"] = obj(
    {
        "position": {**INTEGER, "description": "place in the queue, 1 = next"},
        "expected_wait_minutes": {
            **INTEGER,
            "description": "median time to take a chat (last 14 days, else 5 min) "
            "per chat up to this one, shared by the available staff",
        },
        "someone_available": {"type": "boolean", "description": "a staff user is marked available now"},
    },
    ["position", "expected_wait_minutes", "someone_available"],
)
_SCHEMAS["QueuedHandoff"] = {
    "allOf": [
        {"type": "object", "required": ["handoff"], "properties": {"handoff": _ref("Handoff")}},
        _ref("Duty"),
        _ref("QueueWait"),
    ]
}


def _tagged(paths: Dict[str, Any]) -> Dict[str, Any]:
    for path, operations in paths.items():
        tag = next(name for prefix, name in _TAGS if path.startswith(prefix))
        for op in operations.values():
            op["tags"] = [tag]
    return paths


_tagged(_PATHS)
_TAG_DESCRIPTIONS = [
    {
        "name": "Verification",
        "description": "Identify the customer; the handle it gives authorises the calls below.",
    },
    {"name": "Account", "description": "What the verified customer has (service token + handle)."},
    {"name": "Ending a service", "description": "Quotes and the one retention offer."},
    {"name": "Cancellation requests", "description": "File, look up, revoke; equipment returns; refunds."},
    {"name": "Handoff to a person", "description": "Queue a chat for staff (docs/handoff.md)."},
    {"name": "Development", "description": "Only with DEV_OUTBOX=1."},
    {"name": "Service", "description": "Liveness and this document."},
]


def openapi_document() -> Dict[str, Any]:
    """The OpenAPI 3.0 document of every route of the backend (a fresh copy)."""
    from bot.console.openapi import CONSOLE_PATHS, CONSOLE_SCHEMAS, CONSOLE_TAGS
    from bot.delivery.openapi import DELIVERY_PATHS, DELIVERY_TAGS
    from bot.web.openapi import PAGE_PATHS, PAGE_TAGS

    return copy.deepcopy(
        {
            "openapi": "3.0.3",
            "info": {
                "title": "Cancellation assistant backend",
                "version": "1.0.0",
                "description": "The backend store the assistant's actions call (docs/contracts.md), the staff "
                "console's JSON API (docs/handoff.md) and the public pages. Every `/api/...` route "
                "and `/openapi.json` need the service token (`Authorization: Bearer <BACKEND_SERVICE_TOKEN>`); "
                "console routes need a staff session cookie (and `X-CSRF-Token` on POST). "
                'Errors: `{"error": code, "message": sentence}`.',
            },
            "tags": _TAG_DESCRIPTIONS + CONSOLE_TAGS + PAGE_TAGS + DELIVERY_TAGS,
            "components": {
                "schemas": {**_SCHEMAS, **CONSOLE_SCHEMAS},
                "securitySchemes": {
                    "serviceToken": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "BACKEND_SERVICE_TOKEN of the deployment",
                    },
                    "consoleSession": {
                        "type": "apiKey",
                        "in": "cookie",
                        "name": "console_session",
                        "description": "set by POST /console/login",
                    },
                },
            },
            "security": [{"serviceToken": []}],
            "paths": {**_PATHS, **CONSOLE_PATHS, **PAGE_PATHS, **DELIVERY_PATHS},
        }
    )
