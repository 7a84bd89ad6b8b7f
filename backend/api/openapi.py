"""The OpenAPI 3 document the backend serves at /openapi.json (service token) and, as a public
copy for the API reference page, at /docs/openapi.json.

The API the action server, Rasa's tracker store and the widget call is generated from the
contract (contract/openapi.py: routes and shapes). The app holds the descriptions of the other
parts' routes (`OPENAPI_PARTS`, set by backend.server.create_app: the staff console's
backend/console/openapi.py, the public pages' backend/web/openapi.py, the delivery's
backend/delivery/openapi.py), so this package imports none of them.
tests/handoff/test_openapi_answers.py checks real answers against the document and that it lists
exactly the routes of the app `cancel-backend serve` runs.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, List

from aiohttp import web

from contract.openapi import DESCRIPTION, SECURITY_SCHEMES, api_parts

Part = Dict[str, Any]  # {"paths": {...}, "schemas": {...}, "tags": [...]}
OPENAPI_PARTS: web.AppKey[List[Part]] = web.AppKey("openapi_parts")


def openapi_document(parts: Iterable[Part] = ()) -> Dict[str, Any]:
    """The OpenAPI 3.0 document of the API and the given parts (a fresh copy)."""
    document: Dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Cancellation assistant backend", "version": "1.0.0", "description": DESCRIPTION},
        "tags": [],
        "components": {
            "schemas": {},
            "securitySchemes": {
                **SECURITY_SCHEMES,
                "consoleSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "console_session",
                    "description": "set by POST /console/login",
                },
            },
        },
        "security": [{"serviceToken": []}],
        "paths": {},
    }
    for part in [api_parts(), *parts]:
        document["tags"] += part["tags"]
        document["components"]["schemas"].update(part["schemas"])
        document["paths"].update(part["paths"])
    return copy.deepcopy(document)


def app_document(app: web.Application) -> Dict[str, Any]:
    """The document of every route of ``app``: the API and the parts mounted on it."""
    parts: List[Part] = app[OPENAPI_PARTS] if OPENAPI_PARTS in app else []
    return openapi_document(parts)
