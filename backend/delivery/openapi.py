"""The delivery's routes in the backend's OpenAPI document (backend.server adds them to the API's,
generated from contract/)."""

from __future__ import annotations

from typing import Any, Dict

from backend.api.openapi_schema import (
    BOOLEAN,
    CONSOLE_SESSION,
    PUBLIC,
    STRING,
    array,
    content_answer,
    json_answer,
    obj,
    operation,
    redirect,
)
from backend.console.openapi import ACTIONS, PAGES

RECEIPTS = "Receipts"
DELIVERY_TAGS = [
    {"name": RECEIPTS, "description": "Signed, expiring download links sent to customers (docs/delivery.md)."}
]
_ERROR = {"$ref": "#/components/schemas/Error"}
_MESSAGE = obj(
    {
        "id": {"type": "integer"},
        "status": STRING,
        "channel": STRING,
        "kind": STRING,
        "to": STRING,
        "attempts": {"type": "integer"},
        "error": {**STRING, "nullable": True},
        "created_at": STRING,
        "next_attempt_at": {**STRING, "nullable": True},
        "retryable": BOOLEAN,
    },
    ["id", "status", "channel", "kind", "to", "attempts", "error", "created_at", "retryable"],
)

_RETURN = obj(
    {
        "rma": STRING,
        "model": STRING,
        "serial_last4": STRING,
        "confirmation_number": STRING,
        "return_deadline": {**STRING, "nullable": True},
        "tracking_number": {**STRING, "nullable": True},
        "returned_at": {**STRING, "nullable": True},
        "state": {"type": "string", "enum": ["due", "overdue", "in_transit", "returned"]},
    },
    ["rma", "model", "serial_last4", "confirmation_number", "return_deadline", "tracking_number", "state"],
)

DELIVERY_PATHS: Dict[str, Any] = {
    "/console/outbox": {
        "get": operation(
            "Customer messages not delivered: given up, or retrying after an error (supervisors)",
            {
                "200": {
                    "description": "The page (HTML), or the list (JSON)",
                    "content": {
                        "text/html": {"schema": STRING},
                        "application/json": {"schema": obj({"messages": array(_MESSAGE)}, ["messages"])},
                    },
                },
                "303": redirect("No valid session: to /console/login"),
                "401": json_answer(_ERROR, "No valid session (JSON requests)"),
                "403": json_answer(_ERROR, "Not a supervisor"),
            },
            tag=PAGES,
            security=CONSOLE_SESSION,
        )
    },
    "/console/outbox/{message_id}/retry": {
        "post": operation(
            "Send a given-up message again (supervisors; not one-time codes, whose code is erased)",
            {
                "200": json_answer(obj({"retried": BOOLEAN}, ["retried"]), "Queued again (JSON request)"),
                "303": redirect("Queued again (form post): back to the page"),
                "400": json_answer(_ERROR, "Body is neither a JSON object nor a form"),
                "401": json_answer(_ERROR, "No valid session (JSON requests)"),
                "403": json_answer(_ERROR, "Missing or wrong CSRF token, or not a supervisor"),
                "404": json_answer(_ERROR, "No such message"),
                "409": json_answer(_ERROR, "Not a failed message, or a one-time code"),
            },
            tag=ACTIONS,
            security=CONSOLE_SESSION,
            parameters=[
                {"name": "message_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "X-CSRF-Token", "in": "header", "required": False, "schema": STRING},
            ],
        )
    },
    "/console/returns": {
        "get": operation(
            "Equipment returns: each RMA due, overdue, in transit (tracking reported) or returned (received)",
            {
                "200": {
                    "description": "The page (HTML), or the list (JSON)",
                    "content": {
                        "text/html": {"schema": STRING},
                        "application/json": {"schema": obj({"returns": array(_RETURN)}, ["returns"])},
                    },
                },
                "303": redirect("No valid session: to /console/login"),
                "401": json_answer(_ERROR, "No valid session (JSON requests)"),
            },
            tag=PAGES,
            security=CONSOLE_SESSION,
        )
    },
    "/console/returns/{rma}/received": {
        "post": operation(
            "Record that the device of an RMA arrived back at the warehouse (any staff member)",
            {
                "200": json_answer(
                    obj(
                        {"rma": STRING, "state": STRING, "returned_at": STRING},
                        ["rma", "state", "returned_at"],
                    ),
                    "Recorded (JSON request; again: the first arrival)",
                ),
                "303": redirect("Recorded (form post): back to the returns page"),
                "400": json_answer(_ERROR, "Body is neither a JSON object nor a form"),
                "401": json_answer(_ERROR, "No valid session (JSON requests)"),
                "403": json_answer(_ERROR, "Missing or wrong CSRF token"),
                "404": json_answer(_ERROR, "No device with this RMA"),
            },
            tag=ACTIONS,
            security=CONSOLE_SESSION,
            parameters=[
                {"name": "rma", "in": "path", "required": True, "schema": STRING},
                {"name": "X-CSRF-Token", "in": "header", "required": False, "schema": STRING},
            ],
        )
    },
    "/receipts/{token}": {
        "get": operation(
            "A cancellation receipt (PDF) through the signed, expiring link sent to the customer",
            {
                "200": content_answer("application/pdf", "The receipt"),
                "404": content_answer("text/plain", "Invalid or expired link"),
            },
            tag=RECEIPTS,
            security=PUBLIC,
            parameters=[{"name": "token", "in": "path", "required": True, "schema": STRING}],
        )
    },
    "/labels/{token}": {
        "get": operation(
            "The prepaid return label (PDF, an RMA barcode per device) through the signed link sent to the customer",
            {
                "200": content_answer("application/pdf", "The label"),
                "404": content_answer("text/plain", "Invalid or expired link, or nothing to return"),
            },
            tag=RECEIPTS,
            security=PUBLIC,
            parameters=[{"name": "token", "in": "path", "required": True, "schema": STRING}],
        )
    },
}
