"""The backend's aiohttp application."""

from __future__ import annotations

from typing import Optional

from aiohttp import web

from bot.api.keys import DB, POLICY, SETTINGS
from bot.api.middleware import (
    MAX_BODY_BYTES,
    body_limit_middleware,
    errors_middleware,
    token_middleware,
)
from bot.config import Settings
from bot.db import Database
from bot.handoff import models as _handoff_models  # noqa: F401  (handoff tables on bot.models.Base)
from bot.hashing import set_identifier_hash_key
from bot.policy import Policy, load_policy


def create_app(
    settings: Settings, policy: Optional[Policy] = None, db: Optional[Database] = None
) -> web.Application:
    """Build the app. Raises ConfigError without a service token and PolicyError for a bad policy.

    Other parts (web pages, staff console) may add routes to the returned app; only `/api/...` and
    `/openapi.json` need the service token.
    """
    token = settings.require_token()
    set_identifier_hash_key(settings.require_identifier_hash_key())
    policy = policy or load_policy(settings.policy_file)
    owns_db = db is None
    db = db or Database(settings.database_url)
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[errors_middleware, body_limit_middleware, token_middleware(token)],
    )
    app[SETTINGS], app[POLICY], app[DB] = settings, policy, db

    from bot.api.routes import routes
    from bot.delivery import setup_delivery
    from bot.handoff import setup_handoff

    app.add_routes(routes)
    setup_handoff(app)  # POST /api/v1/handoffs, staff notifications (bot/handoff)
    setup_delivery(app)  # customer outbox delivery, /console/outbox, /receipts/{token} (bot/delivery)

    async def close_db(_app: web.Application) -> None:
        if owns_db:
            db.close()

    app.on_cleanup.append(close_db)  # type: ignore[arg-type]  # aiosignal's generic, as in bot/handoff
    return app
