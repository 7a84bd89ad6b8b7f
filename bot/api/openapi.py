"""OpenAPI 3 description of the backend API, served at /openapi.json.

Kept by hand next to the routes; tests/bot/test_api_errors.py checks that it lists exactly the
app's routes.
"""
from __future__ import annotations

import copy
from typing import Any, Dict

_S = {"type": "string"}
_MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "123.45"}
_DATE = {"type": "string", "format": "date"}
_NULL_DATE = {"type": "string", "format": "date", "nullable": True}


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Dict[str, Any], description: str = "OK") -> Dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(properties: Dict[str, Any], required=()) -> Dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json(_ref("Error"), "Body is not a JSON object"),
    "401": _json(_ref("Error"), "Missing/wrong service token, or invalid verification handle"),
    "413": _json(_ref("Error"), "Body larger than 64 KiB"),
    "422": _json(_ref("Error"), "Invalid field (named in `field`)"),
}
_HANDLE = [
    {"name": "X-Verification-Handle", "in": "header", "required": True, "schema": _S},
    {"name": "X-Conversation-Id", "in": "header", "required": True, "schema": _S},
]
_CONFIRMATION = {"name": "confirmation_number", "in": "path", "required": True, "schema": _S,
                 "description": "XXXX-XXXX-XXXX, any case, dashes optional"}
_SERVICE_ID = {"name": "service_id", "in": "path", "required": True, "schema": _S}


def _op(summary: str, responses: Dict[str, Any], *, handle: bool = True, body=None, params=(),
        secured: bool = True) -> Dict[str, Any]:
    op: Dict[str, Any] = {"summary": summary, "responses": {**responses, **(_ERRORS if secured else {})}}
    parameters = list(params) + (_HANDLE if handle else [])
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = body
    if not secured:
        op["security"] = []
    return op


_SCHEMAS: Dict[str, Any] = {
    "Error": {"type": "object", "required": ["error", "message"],
              "properties": {"error": _S, "message": _S, "field": _S, "retry_after": {"type": "integer"}}},
    "Service": {"type": "object", "properties": {
        "id": _S, "name": _S, "plan": _S, "price": _MONEY,
        "billing_period": {"type": "string", "enum": ["monthly", "annual"]},
        "next_anniversary": _DATE,
        "bundle": {"type": "object", "nullable": True, "properties": {
            "id": _S, "name": _S,
            "members": {"type": "array", "items": {"type": "object", "properties": {"id": _S, "name": _S}}}}},
        "status": {"type": "string", "enum": ["active", "cancellation_pending", "cancelled"]},
        "pending_cancellation": {"type": "object", "properties": {
            "confirmation_number": _S, "end_date": _DATE}}}},
    "Equipment": {"type": "object", "properties": {
        "id": _S, "service_id": _S, "model": _S, "serial_last4": _S, "kind": _S, "retail_price": _MONEY,
        "non_return_fee": _MONEY, "tracking_number": {"type": "string", "nullable": True}}},
    "BillItem": {"type": "object", "properties": {"description": _S, "amount": _MONEY}},
    "Quote": {"type": "object", "properties": {
        "when": {"type": "string", "enum": ["immediate", "end_of_period", "date"]},
        "end_date": _DATE, "refund": _MONEY,
        "final_bill_items": {"type": "array", "items": _ref("BillItem")},
        "renewal_warning": {"type": "string", "nullable": True},
        "equipment_return_deadline": _NULL_DATE, "explanation": _S}},
    "Offer": {"type": "object", "properties": {
        "id": _S, "kind": {"type": "string", "enum": ["discount", "downgrade", "pause", "plan_switch"]},
        "title": _S, "description": _S}},
    "Cancellation": {"type": "object", "properties": {
        "confirmation_number": _S, "status": {"type": "string", "enum": ["received", "revoked", "completed"]},
        "received_at": {"type": "string", "format": "date-time"}, "service": _ref("Service"),
        "when": _S, "end_date": _DATE, "reason": {"type": "string", "nullable": True},
        "final_bill_items": {"type": "array", "items": _ref("BillItem")}, "balance": _MONEY,
        "equipment": {"type": "array", "items": _ref("Equipment")}, "return_deadline": _NULL_DATE,
        "non_return_fee_total": _MONEY, "next_steps": {"type": "array", "items": _S}, "survey_url": _S,
        "receipt_sent_to": {"type": "string", "nullable": True},
        "revoked_at": {"type": "string", "format": "date-time", "nullable": True}}},
}

_PATHS: Dict[str, Any] = {
    "/health": {"get": _op("Liveness", {"200": _json({"type": "object", "properties": {"status": _S}})},
                           handle=False, secured=False)},
    "/openapi.json": {"get": _op("This document", {"200": _json({"type": "object"})}, handle=False)},
    "/api/v1/verify/start": {"post": _op(
        "Start verification for an account number, email or phone (same answer for unknown ones)",
        {"200": _json({"type": "object", "properties": {"attempt_id": _S, "factors": {"type": "array", "items": _S}}})},
        handle=False, body=_body({"identifier": _S, "conversation_id": _S}, ["identifier", "conversation_id"]))},
    "/api/v1/verify/otp": {"post": _op(
        "Send a one-time code to the registered email/phone (same answer for unknown accounts)",
        {"202": _json({"type": "object", "properties": {"sent": {"type": "boolean"}, "to": _S}}),
         "404": _json(_ref("Error"), "Unknown or expired attempt")},
        handle=False, body=_body({"attempt_id": _S}, ["attempt_id"]))},
    "/api/v1/verify": {"post": _op(
        "Check the second factor; issue a handle bound to the conversation",
        {"200": _json({"type": "object", "properties": {"handle": _S, "expires_at": {"type": "string", "format": "date-time"},
                                                        "customer_first_name": _S}}),
         "429": _json(_ref("Error"), "Locked; `retry_after` seconds")},
        handle=False, body=_body({"attempt_id": _S, "factor": _S,
                                  "factor_type": {"type": "string", "enum": ["zip", "pin", "otp"]}},
                                 ["attempt_id", "factor"]))},
    "/api/v1/services": {"get": _op("Active services of the account", {
        "200": _json({"type": "object", "properties": {"services": {"type": "array", "items": _ref("Service")}}})})},
    "/api/v1/balance": {"get": _op("Outstanding balance", {"200": _json({"type": "object", "properties": {
        "balance": _MONEY, "currency": _S, "invoices": {"type": "array", "items": {"type": "object", "properties": {
            "number": _S, "amount_due": _MONEY, "due_date": _DATE}}},
        "due_at_cancellation": {"type": "boolean"}, "blocks_filing": {"type": "boolean"}, "how_to_pay": _S}})})},
    "/api/v1/equipment": {"get": _op(
        "Leased equipment and non-return fees",
        {"200": _json({"type": "object", "properties": {"equipment": {"type": "array", "items": _ref("Equipment")},
                                                        "return_window_days": {"type": "integer"}}}),
         "404": _json(_ref("Error"), "Unknown service")},
        params=[{"name": "service_id", "in": "query", "required": False, "schema": _S}])},
    "/api/v1/services/{service_id}/quote": {"get": _op(
        "End options with end date, refund, final-bill items and warnings",
        {"200": _json({"type": "object", "properties": {"options": {"type": "array", "items": _ref("Quote")}}}),
         "404": _json(_ref("Error"), "Unknown service")},
        params=[_SERVICE_ID,
                {"name": "when", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["immediate", "end_of_period", "date"]}},
                {"name": "date", "in": "query", "required": False, "schema": _DATE}])},
    "/api/v1/services/{service_id}/offer": {"post": _op(
        "The one retention offer for this service in this conversation (recorded as made)",
        {"200": _json({"type": "object", "properties": {"offer": {**_ref("Offer"), "nullable": True}}}),
         "404": _json(_ref("Error"), "Unknown service")},
        params=[_SERVICE_ID], body=_body({"reason": {"type": "string", "nullable": True}}))},
    "/api/v1/offers/{offer_id}/outcome": {"post": _op(
        "Accept (applies the save) or decline an offer",
        {"200": _json({"type": "object", "properties": {"offer": _ref("Offer"),
                                                        "status": {"type": "string", "enum": ["accepted", "declined"]}}}),
         "404": _json(_ref("Error"), "Unknown offer"), "409": _json(_ref("Error"), "Already decided otherwise")},
        params=[{"name": "offer_id", "in": "path", "required": True, "schema": _S}],
        body=_body({"accepted": {"type": "boolean"}}, ["accepted"]))},
    "/api/v1/cancellations": {"post": _op(
        "File a cancellation request (idempotent per Idempotency-Key)",
        {"201": _json(_ref("Cancellation"), "Filed"), "200": _json(_ref("Cancellation"), "Replay of the key"),
         "404": _json(_ref("Error"), "Unknown service"),
         "409": _json(_ref("Error"), "Already requested, key reused, or balance blocks filing")},
        params=[{"name": "Idempotency-Key", "in": "header", "required": True, "schema": _S}],
        body=_body({"service_id": _S, "when": {"type": "string", "enum": ["immediate", "end_of_period", "date"]},
                    "date": _DATE, "reason": {"type": "string", "nullable": True},
                    "backup_confirmed": {"type": "boolean", "enum": [True]},
                    "terms_accepted": {"type": "boolean", "enum": [True]}, "channel": _S},
                   ["service_id", "when", "backup_confirmed", "terms_accepted", "channel"]))},
    "/api/v1/cancellations/{confirmation_number}": {"get": _op(
        "Status of a request of the verified account",
        {"200": _json(_ref("Cancellation")), "404": _json(_ref("Error"), "Unknown or another account's")},
        params=[_CONFIRMATION])},
    "/api/v1/cancellations/{confirmation_number}/revoke": {"post": _op(
        "Revoke a request before its end date",
        {"200": _json(_ref("Cancellation")), "404": _json(_ref("Error"), "Unknown"),
         "409": _json(_ref("Error"), "End date reached or already revoked")},
        params=[_CONFIRMATION])},
    "/api/v1/cancellations/{confirmation_number}/tracking": {"post": _op(
        "Report the tracking number of returned equipment",
        {"200": _json({"type": "object", "properties": {"recorded": {"type": "boolean"},
                                                        "equipment": {"type": "array", "items": _ref("Equipment")}}}),
         "404": _json(_ref("Error"), "Unknown request or device"), "409": _json(_ref("Error"), "Nothing to return")},
        params=[_CONFIRMATION], body=_body({"tracking_number": _S, "equipment_id": _S}, ["tracking_number"]))},
    "/api/v1/refunds": {"post": _op(
        "Request a refund (credit up to the policy threshold, billing review above)",
        {"200": _json({"type": "object", "properties": {
            "status": {"type": "string", "enum": ["credit_processing", "under_review"]}, "amount": _MONEY,
            "message": _S}})},
        body=_body({"amount": _MONEY, "reason": _S, "service_id": _S}, ["amount", "reason"]))},
    "/api/v1/dev/outbox": {"get": _op(
        "Sent codes and receipts (only with DEV_OUTBOX=1; 404 otherwise)",
        {"200": _json({"type": "object", "properties": {"messages": {"type": "array", "items": {
            "type": "object", "properties": {"to": _S, "channel": _S, "kind": _S, "body": _S, "code": _S,
                                             "created_at": {"type": "string", "format": "date-time"}}}}}}),
         "404": _json(_ref("Error"), "Dev outbox disabled")},
        handle=False, params=[{"name": "to", "in": "query", "required": False, "schema": _S}])},
    "/api/v1/handoffs": {"post": _op(
        "Queue the chat for a person (docs/handoff.md); one open handoff per conversation. The handle "
        "headers are optional: with a valid handle the verified account is attached",
        {"201": _json({"type": "object", "properties": {
            "handoff": {"type": "object", "properties": {
                "id": {"type": "integer"}, "conversation_id": _S, "channel": _S, "reason": _S,
                "status": {"type": "string", "enum": ["queued", "assigned", "closed"]}, "paused": {"type": "boolean"},
                "account_number": {"type": "string", "nullable": True},
                "created_at": {"type": "string", "format": "date-time"}, "waiting_seconds": {"type": "integer"}}},
            "on_duty": {"type": "boolean"}, "mode": {"type": "string", "enum": ["auto", "on", "off"]}, "why": _S,
            "next_opening": {"type": "string", "format": "date-time", "nullable": True},
            "next_opening_text": {"type": "string", "nullable": True}}}, "Queued"),
         "200": _json({"type": "object"}, "Already queued: the open handoff, same shape")},
        handle=False,
        params=[{"name": "X-Verification-Handle", "in": "header", "required": False, "schema": _S},
                {"name": "X-Conversation-Id", "in": "header", "required": False, "schema": _S}],
        body=_body({"conversation_id": _S, "reason": {"type": "string", "example": "customer_request"},
                    "channel": {"type": "string", "nullable": True}}, ["conversation_id", "reason"]))},
}


def openapi_document() -> Dict[str, Any]:
    """The OpenAPI 3.0 document (a fresh copy)."""
    return copy.deepcopy({
        "openapi": "3.0.3",
        "info": {"title": "Cancellation assistant backend store", "version": "1.0.0",
                 "description": "See docs/contracts.md. Errors: {\"error\": code, \"message\": sentence}."},
        "components": {"schemas": _SCHEMAS,
                       "securitySchemes": {"serviceToken": {"type": "http", "scheme": "bearer"}}},
        "security": [{"serviceToken": []}],
        "paths": _PATHS,
    })
