"""Web pages of the website channel: the widget bundle and the demo page.

``setup_web_routes(app)`` adds to the backend's aiohttp application:

- ``GET /``: the demo page (``templates/index.html``) with the widget loaded and the one-line
  snippet a company pastes into its own site;
- ``GET /static/widget.js``: the widget bundle, built by ``npm ci && npm run build`` from
  ``bot/web/src/`` (a build output, not in git).

The widget connects to Rasa's socket.io channel at ``RASA_PUBLIC_URL`` (default
``http://127.0.0.1:5005``): the URL of the Rasa server as the customer's browser reaches it.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Optional

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
WIDGET_BUNDLE = STATIC_DIR / "widget.js"
TEMPLATE = WEB_DIR / "templates" / "index.html"

DEFAULT_RASA_PUBLIC_URL = "http://127.0.0.1:5005"
DEFAULT_TITLE = "Cancellation assistant"

RASA_PUBLIC_URL_KEY = web.AppKey("rasa_public_url", str) if hasattr(web, "AppKey") else "rasa_public_url"


def rasa_public_url() -> str:
    """The Rasa server URL the widget connects to (env ``RASA_PUBLIC_URL``)."""
    return (os.environ.get("RASA_PUBLIC_URL") or DEFAULT_RASA_PUBLIC_URL).rstrip("/")


def snippet(widget_src: str, socket_url: str, title: Optional[str] = None) -> str:
    """The one-line ``<script>`` tag that embeds the widget in a page."""
    attrs = f'src="{html.escape(widget_src)}" data-socket-url="{html.escape(socket_url)}"'
    if title:
        attrs += f' data-title="{html.escape(title)}"'
    return f"<script {attrs} defer></script>"


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def index(request: web.Request) -> web.Response:
    socket_url = request.app[RASA_PUBLIC_URL_KEY]
    widget_src = f"{_origin(request)}/static/widget.js"
    tag = snippet(widget_src, socket_url)
    page = (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{{title}}", html.escape(DEFAULT_TITLE))
        .replace("{{snippet}}", html.escape(tag))
        .replace("{{script_tag}}", snippet("/static/widget.js", socket_url))
    )
    return web.Response(
        text=page,
        content_type="text/html",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


async def widget_js(request: web.Request) -> web.StreamResponse:
    if not WIDGET_BUNDLE.is_file():
        return web.Response(
            status=503,
            text="// widget not built: run `npm ci && npm run build` in the repository\n",
            content_type="application/javascript",
        )
    return web.FileResponse(
        WIDGET_BUNDLE,
        headers={
            "Content-Type": "application/javascript; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


def setup_web_routes(app: web.Application, *, rasa_url: Optional[str] = None) -> None:
    """Add ``/`` and ``/static/widget.js`` to ``app``.

    ``rasa_url`` overrides ``RASA_PUBLIC_URL`` (tests use it).
    """
    app[RASA_PUBLIC_URL_KEY] = (rasa_url or rasa_public_url()).rstrip("/")
    app.router.add_get("/", index, name="widget_demo")
    app.router.add_get("/static/widget.js", widget_js, name="widget_js")
