"""The staff console, served by the backend under /console/ (docs/handoff.md).

`setup_console(app)` adds its pages, its JSON API and its static files to the backend app built by
bot.api.create_app (which already holds the database, policy, settings and the Rasa client).
"""
from __future__ import annotations

from aiohttp import web


def setup_console(app: web.Application) -> None:
    from bot.console.reports import routes as report_routes
    from bot.console.routes import routes

    app.add_routes(routes)
    app.add_routes(report_routes)  # the supervisors' reports page (docs/reports.md)
