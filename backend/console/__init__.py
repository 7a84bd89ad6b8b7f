"""The staff console, served by the backend under /console/ (docs/handoff.md).

`setup_console(app)` adds its pages, its JSON API and its static files to the backend app built by
backend.server.create_app (which already holds the database, policy, settings and the Rasa client).
`canned_path`: the canned replies file (default backend/console/canned_replies.yml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from aiohttp import web

CANNED_PATH = web.AppKey("console_canned_path", Path)


def setup_console(app: web.Application, canned_path: Optional[Path] = None) -> None:
    from backend.console.canned import DEFAULT_PATH
    from backend.console.reports import routes as report_routes
    from backend.console.routes import routes

    app[CANNED_PATH] = Path(canned_path or DEFAULT_PATH)
    app.add_routes(routes)
    app.add_routes(report_routes)  # the supervisors' reports page (docs/reports.md)
