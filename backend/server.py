"""The backend application, assembled in one place: `create_app` is what `cancel-backend serve`
runs and what the tests, the benchmarks and the scripts start. It holds the settings, the policy
and the database (backend.api.keys) and mounts each part: the API (backend.api), the handoff queue
(backend.handoff), the customer outbox delivery (backend.delivery), the website widget's pages and the API
reference (backend.web), and the staff console (backend.console). The parts import backend.api's helpers; none
of them, and not backend.api, imports this module."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from aiohttp import web

from backend.api import setup_api
from backend.api.keys import DB, POLICY, SETTINGS
from backend.api.middleware import MAX_BODY_BYTES, body_limit_middleware, errors_middleware, token_middleware
from backend.api.openapi import OPENAPI_PARTS, Part
from backend.api.openapi import openapi_document as _document
from backend.config import Settings
from backend.db import Database
from backend.handoff import models as _handoff_models  # noqa: F401  (handoff tables on backend.models.Base)
from backend.hashing import set_identifier_hash_key
from backend.policy import Policy, load_policy


def create_app(
    settings: Settings,
    policy: Optional[Policy] = None,
    db: Optional[Database] = None,
    *,
    rasa_public_url: Optional[str] = None,
) -> web.Application:
    """The whole backend. Raises ConfigError without a service token or identifier hash key and
    PolicyError for a bad policy. ``db`` given: the caller closes it; ``rasa_public_url``
    overrides ``RASA_PUBLIC_URL`` for the widget page (tests use it). Only `/api/...` and
    `/openapi.json` need the service token."""
    from backend.console import setup_console
    from backend.delivery import setup_delivery
    from backend.handoff import setup_handoff
    from backend.web.routes import setup_web_routes

    token = settings.require_token()
    set_identifier_hash_key(settings.require_identifier_hash_key())
    policy = policy or load_policy(settings.policy_file, settings.company_timezone)
    owns_db = db is None
    database = db or Database(settings.database_url)
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[errors_middleware, body_limit_middleware, token_middleware(token)],
    )
    app[SETTINGS], app[POLICY], app[DB] = settings, policy, database

    setup_api(app)  # the API the action server calls (contract/, docs/contracts.md)
    setup_handoff(app)  # POST /api/v1/handoffs, staff notifications (backend/handoff)
    setup_delivery(app)  # customer outbox delivery, /console/outbox, /receipts/{token} (backend/delivery)
    setup_web_routes(app, rasa_url=rasa_public_url)  # widget demo page, bundle, /docs/api (no token)
    setup_console(app)  # the staff console under /console/ (staff login, no token)
    app[OPENAPI_PARTS] = openapi_parts()  # served with the API's at /openapi.json and /docs/openapi.json

    async def close_db(_app: web.Application) -> None:
        if owns_db:
            database.close()

    app.on_cleanup.append(close_db)  # type: ignore[arg-type]  # aiosignal's generic, as in backend/handoff
    return app


def openapi_parts() -> List[Part]:
    """Descriptions of the routes the parts mounted by `create_app` add beside the API's."""
    from backend.console.openapi import CONSOLE_PATHS, CONSOLE_SCHEMAS, CONSOLE_TAGS
    from backend.delivery.openapi import DELIVERY_PATHS, DELIVERY_TAGS
    from backend.web.openapi import PAGE_PATHS, PAGE_TAGS

    return [
        {"paths": CONSOLE_PATHS, "schemas": CONSOLE_SCHEMAS, "tags": CONSOLE_TAGS},
        {"paths": PAGE_PATHS, "schemas": {}, "tags": PAGE_TAGS},
        {"paths": DELIVERY_PATHS, "schemas": {}, "tags": DELIVERY_TAGS},
    ]


def openapi_document() -> Dict[str, Any]:
    """The OpenAPI document the app of `create_app` serves (a fresh copy)."""
    return _document(openapi_parts())
