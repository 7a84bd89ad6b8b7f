"""The public pages of the backend in its OpenAPI document (backend.server adds them to the API's,
generated from contract/): the widget's demo page and bundle (backend/web/routes.py) and this API reference (backend/web/api_reference.py)."""

from __future__ import annotations

from typing import Any, Dict

from backend.api.openapi_schema import PUBLIC, STRING, content_answer, json_answer, operation

PAGES = "Public pages"
PAGE_TAGS = [{"name": PAGES, "description": "No token: the website widget and this reference."}]
_NOT_BUILT = "Not built yet (`npm ci && npm run build`): a comment saying so"


def _asset(summary: str, media_type: str) -> Dict[str, Any]:
    return {
        "get": operation(
            summary,
            {"200": content_answer(media_type, "The file"), "503": content_answer(media_type, _NOT_BUILT)},
            tag=PAGES,
            security=PUBLIC,
        )
    }


_BRANDING = {
    "name": "title",
    "in": "query",
    "required": False,
    "schema": STRING,
    "description": "any of the widget's branding attributes without `data-` (title, color-primary, "
    "position, greeting, text-placeholder, ...; docs/channels.md) is put on the page's widget",
}

PAGE_PATHS: Dict[str, Any] = {
    "/": {
        "get": operation(
            "The widget's demo page with the snippet to copy",
            {"200": content_answer("text/html", "The page")},
            tag=PAGES,
            security=PUBLIC,
            parameters=[_BRANDING],
        )
    },
    "/static/widget.js": _asset("The website widget (one script)", "application/javascript"),
    "/docs/api": {
        "get": operation(
            "This API reference (Swagger UI, served from our own files)",
            {"200": content_answer("text/html", "The page")},
            tag=PAGES,
            security=PUBLIC,
        )
    },
    "/docs/openapi.json": {
        "get": operation(
            "This document, without a token (for the reference page; /openapi.json is the same behind the token)",
            {"200": json_answer({"type": "object"})},
            tag=PAGES,
            security=PUBLIC,
        )
    },
    "/static/api-reference.js": _asset(
        "The reference page's script (Swagger UI bundle)", "application/javascript"
    ),
    "/static/api-reference.css": _asset("The reference page's styles", "text/css"),
}
