"""The whole backend application as `cancel-backend serve` runs it: the API (bot.api), the website
widget's pages and the API reference (bot.web), and the staff console (bot.console)."""

from __future__ import annotations

from typing import Optional

from aiohttp import web

from bot.config import Settings
from bot.db import Database
from bot.policy import Policy


def build_app(
    settings: Settings,
    policy: Optional[Policy] = None,
    db: Optional[Database] = None,
    *,
    rasa_public_url: Optional[str] = None,
) -> web.Application:
    """The API app with the web pages and the staff console added (``rasa_public_url`` overrides
    ``RASA_PUBLIC_URL`` for the widget: tests use it)."""
    from bot.api import create_app
    from bot.console import setup_console
    from bot.web.routes import setup_web_routes

    app = create_app(settings, policy=policy, db=db)
    setup_web_routes(app, rasa_url=rasa_public_url)  # widget demo page, bundle, /docs/api (no token)
    setup_console(app)  # the staff console under /console/ (staff login, no token)
    return app
