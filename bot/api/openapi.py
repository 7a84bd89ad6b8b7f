"""The OpenAPI 3 document the backend serves at /openapi.json (service token) and, as a public
copy for the API reference page, at /docs/openapi.json.

The API the action server, Rasa's tracker store and the widget call is generated from the
contract (contract/openapi.py: routes and shapes); the staff console (bot/console/openapi.py),
the public pages (bot/web/openapi.py) and the delivery's pages (bot/delivery/openapi.py) add their
routes. tests/handoff/test_openapi_answers.py checks real answers against it and
tests/bot/test_contract.py that it lists exactly the routes of the app `cancel-backend serve` runs.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

from contract.openapi import DESCRIPTION, SECURITY_SCHEMES, api_parts


def openapi_document() -> Dict[str, Any]:
    """The OpenAPI 3.0 document of every route of the backend (a fresh copy)."""
    from bot.console.openapi import CONSOLE_PATHS, CONSOLE_SCHEMAS, CONSOLE_TAGS
    from bot.delivery.openapi import DELIVERY_PATHS, DELIVERY_TAGS
    from bot.web.openapi import PAGE_PATHS, PAGE_TAGS

    api = api_parts()
    return copy.deepcopy(
        {
            "openapi": "3.0.3",
            "info": {
                "title": "Cancellation assistant backend",
                "version": "1.0.0",
                "description": DESCRIPTION,
            },
            "tags": api["tags"] + CONSOLE_TAGS + PAGE_TAGS + DELIVERY_TAGS,
            "components": {
                "schemas": {**api["schemas"], **CONSOLE_SCHEMAS},
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
            "paths": {**api["paths"], **CONSOLE_PATHS, **PAGE_PATHS, **DELIVERY_PATHS},
        }
    )
