"""Build outputs of ``npm run build`` (``backend/web/static/``, not in git) served by the backend."""

from __future__ import annotations

from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"
CONTENT_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
NOT_BUILT = "not built: run `npm ci && npm run build` (or `make web`) in the repository"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def static_file(name: str) -> Handler:
    """A handler serving ``static/<name>``; 503 with a build hint while it has not been built."""
    path = STATIC_DIR / name
    content_type = CONTENT_TYPES[path.suffix]
    comment = ("/* {} */\n" if path.suffix == ".css" else "// {}\n").format(f"{name} {NOT_BUILT}")

    async def serve(request: web.Request) -> web.StreamResponse:
        if not path.is_file():
            return web.Response(status=503, text=comment, content_type=content_type.split(";")[0])
        return web.FileResponse(
            path,
            headers={
                "Content-Type": content_type,
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return serve
