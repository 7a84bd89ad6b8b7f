"""The staff console's HTML pages: Jinja2 templates in backend/console/templates, loaded once per process
and cached (no re-read per request), autoescaped (customer text can never become markup).

`render(name, staff=..., **context)` answers a page; the layout (templates/layout.html) shows the
navigation for the signed-in staff member's role. The filters the templates use (`waited`,
`customer`, `handoff_state`, `clock`) are defined here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import jinja2
from aiohttp import web

from backend.handoff import words
from backend.handoff.auth import Staff
from backend.templating import html_environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def waited(seconds: int) -> str:
    """'42 s', '7 min', '2 h 5 min'."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def customer(h: Dict[str, Any]) -> str:
    """'Erin Example · A100', or 'Not verified'."""
    if h["account_number"]:
        return f"{h['customer_name']} · {h['account_number']}"
    return "Not verified"


def handoff_state(h: Dict[str, Any]) -> str:
    """'Waiting', 'With Alex', 'Closed: handed back to the assistant'."""
    if h["status"] == "assigned" and h["assigned_to"]:
        return f"With {h['assigned_to']}"
    if h["status"] == "closed" and h["outcome_text"]:
        return f"Closed: {h['outcome_text'][0].lower()}{h['outcome_text'][1:]}"
    return h["status_text"]


def _environment() -> jinja2.Environment:
    env = html_environment(
        TEMPLATES,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=lambda value: "" if value is None else value,  # None shows as nothing
    )
    env.filters.update(waited=waited, customer=customer, handoff_state=handoff_state, clock=words.clock)
    return env


ENVIRONMENT = _environment()


def render(
    name: str,
    *,
    title: str,
    page: str,
    staff: Optional[Staff] = None,
    status: int = 200,
    **context: Any,
) -> web.Response:
    """The page `name` (a file in templates/) inside the layout, with the security headers."""
    text = ENVIRONMENT.get_template(name).render(title=title, page=page, staff=staff, **context)
    return web.Response(text=text, content_type="text/html", status=status, headers=SECURITY_HEADERS)


def error_page(
    staff: Optional[Staff], title: str, message: str, status: int, back: bool = False
) -> web.Response:
    """A page that says why an action was not possible (`back`: with a link to the queue)."""
    return render("error.html", title=title, page="", staff=staff, status=status, message=message, back=back)
