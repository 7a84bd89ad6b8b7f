"""The backend's API reference for developers: ``GET /docs/api``.

A page of Swagger UI (npm ``swagger-ui-dist``, bundled by ``npm run build`` into
``static/api-reference.{js,css}``, served from here: no CDN) showing the OpenAPI document of
``backend/api/openapi.py`` (the app's own document). The page and ``GET /docs/openapi.json`` (a public copy of the document: it
describes the routes and holds no secret) need no token; ``/openapi.json`` and every ``/api/...``
route still need the service token.
"""

from __future__ import annotations

from aiohttp import web

from backend.api.middleware import json_response
from backend.api.openapi import app_document
from backend.web.pages import render
from backend.web.static_files import static_file

PAGE_PATH = "/docs/api"
SPEC_PATH = "/docs/openapi.json"
# Swagger UI styles a few elements with inline style attributes and inlines its icons as data: URLs.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def reference_page(request: web.Request) -> web.Response:
    page = render("api-reference.html", spec_url=SPEC_PATH)
    return web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)


async def public_spec(request: web.Request) -> web.Response:
    return json_response(app_document(request.app))


def setup_api_reference(app: web.Application) -> None:
    """Add the reference page, the public copy of the document and the viewer's bundle to ``app``."""
    app.router.add_get(PAGE_PATH, reference_page, name="api_reference")
    app.router.add_get(SPEC_PATH, public_spec, name="api_reference_spec")
    app.router.add_get("/static/api-reference.js", static_file("api-reference.js"), name="api_reference_js")
    app.router.add_get(
        "/static/api-reference.css", static_file("api-reference.css"), name="api_reference_css"
    )
