"""The website's HTML pages (the widget demo page, the API reference): Jinja2 templates in
backend/web/templates, loaded once per process and cached (no re-read per request), autoescaped
(a value from a query string can never become markup).

``render(name, **context)`` gives the text of the page ``name``.
"""

from __future__ import annotations

from typing import Any

import jinja2

from backend.web.static_files import TEMPLATES_DIR


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its name: all of them are HTML
        auto_reload=False,  # compiled once per process; templates change with a deploy
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, never an empty string
    )


ENVIRONMENT = _environment()


def render(name: str, **context: Any) -> str:
    """The page ``name`` (a file in templates/) filled with ``context``, every value escaped
    unless it is ``markupsafe.Markup``."""
    return ENVIRONMENT.get_template(name).render(**context)
