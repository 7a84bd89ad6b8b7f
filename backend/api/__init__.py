"""The backend's HTTP API (docs/contracts.md, shapes in contract/): its routes, request
validation, middlewares and the app keys the other parts share. The app itself is assembled by
backend.server.create_app; this package imports none of the parts it mounts."""

from __future__ import annotations

from aiohttp import web


def setup_api(app: web.Application) -> None:
    """Add `/health`, `/openapi.json` and the `/api/v1/...` routes of the action server to ``app``."""
    from backend.api.routes import routes

    app.add_routes(routes)
