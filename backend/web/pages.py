"""The website's HTML pages (the widget demo page, the API reference): Jinja2 templates in
backend/web/templates, loaded once per process and cached (no re-read per request), autoescaped
(a value from a query string can never become markup).

``render(name, **context)`` gives the text of the page ``name``.
"""

from __future__ import annotations

from typing import Any

from backend.templating import html_environment
from backend.web.static_files import TEMPLATES_DIR

ENVIRONMENT = html_environment(TEMPLATES_DIR)


def render(name: str, **context: Any) -> str:
    """The page ``name`` (a file in templates/) filled with ``context``, every value escaped
    unless it is ``markupsafe.Markup``."""
    return ENVIRONMENT.get_template(name).render(**context)
