"""Web pages of the website channel: the widget bundle and the demo page.

``setup_web_routes(app)`` adds to the backend's aiohttp application:

- ``GET /``: the demo page (``templates/index.html``, rendered by ``backend/web/pages.py``) with the widget loaded and the one-line
  snippet a company pastes into its own site. Branding attributes given in the query string
  (``/?title=Acme+help&color-primary=%23006b3c&position=left``: the ``data-`` attribute names
  without ``data-``) are put on both, so a company can try its branding on the demo page;
- ``GET /static/widget.js``: the widget bundle, built by ``npm ci && npm run build`` from
  ``backend/web/src/`` (a build output, not in git);
- the API reference for developers, ``GET /docs/api`` (``backend/web/api_reference.py``).

The widget connects to Rasa's socket.io channel at ``RASA_PUBLIC_URL`` (default
``http://127.0.0.1:5005``): the URL of the Rasa server as the customer's browser reaches it.
"""

from __future__ import annotations

import html
import re
from typing import Dict, Mapping, Optional

from aiohttp import web
from markupsafe import Markup

from backend.web.api_reference import setup_api_reference
from backend.web.pages import render
from backend.web.static_files import static_file

DEFAULT_TITLE = "Cancellation assistant"

# The widget's branding attributes (backend/web/src/config.js reads them), without "data-".
BRANDING_ATTRIBUTE = re.compile(
    r"^(title|position|greeting|greeting-intent|open|color-(primary|on-primary|focus)|text-[a-z]+(-[a-z]+)*)$"
)
MAX_ATTRIBUTE_VALUE = 300

RASA_PUBLIC_URL_KEY = web.AppKey("rasa_public_url", str) if hasattr(web, "AppKey") else "rasa_public_url"


def snippet(
    widget_src: str,
    socket_url: str,
    branding: Optional[Mapping[str, str]] = None,
    backend_url: Optional[str] = None,
) -> str:
    """The one-line ``<script>`` tag that embeds the widget in a page, every value escaped;
    ``branding`` maps attribute names without ``data-`` (e.g. ``title``, ``color-primary``) to
    their values; ``backend_url`` lets the widget offer an email for a reply when no one is on
    duty (docs/handoff.md)."""
    attrs = f'src="{html.escape(widget_src)}" data-socket-url="{html.escape(socket_url)}"'
    if backend_url:
        attrs += f' data-backend-url="{html.escape(backend_url)}"'
    for name, value in (branding or {}).items():
        attrs += f' data-{name}="{html.escape(value)}"'
    return f"<script {attrs} defer></script>"


def branding_from_query(query: Mapping[str, str]) -> Dict[str, str]:
    """The widget's branding attributes among a request's query parameters (others are ignored)."""
    return {
        name: value[:MAX_ATTRIBUTE_VALUE]
        for name, value in query.items()
        if BRANDING_ATTRIBUTE.match(name) and value.strip()
    }


def _origin(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def index(request: web.Request) -> web.Response:
    socket_url = request.app[RASA_PUBLIC_URL_KEY]
    widget_src = f"{_origin(request)}/static/widget.js"
    branding = branding_from_query(request.query)
    page = render(
        "index.html",
        title=branding.get("title", DEFAULT_TITLE),
        # shown as text: the template escapes it
        snippet=snippet(widget_src, socket_url, branding, _origin(request)),
        # the live tag: markup, its values escaped by snippet()
        script_tag=Markup(snippet("/static/widget.js", socket_url, branding, _origin(request))),
    )
    return web.Response(
        text=page,
        content_type="text/html",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


def setup_web_routes(app: web.Application, *, rasa_url: Optional[str] = None) -> None:
    """Add ``/``, ``/static/widget.js`` and the API reference (``/docs/api``) to ``app``.

    ``rasa_url`` overrides the backend setting ``RASA_PUBLIC_URL`` (tests use it).
    """
    from backend.api.keys import SETTINGS

    app[RASA_PUBLIC_URL_KEY] = (rasa_url or app[SETTINGS].rasa_public_url).rstrip("/")
    app.router.add_get("/", index, name="widget_demo")
    app.router.add_get("/static/widget.js", static_file("widget.js"), name="widget_js")
    setup_api_reference(app)
