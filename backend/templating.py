"""The backend's HTML templates (staff console, website pages): one way to build a Jinja2
environment, so every page is compiled once per process, autoescaped, and fails on a missing
value instead of showing an empty string."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2


def html_environment(directory: Path, **options: Any) -> jinja2.Environment:
    """A cached, autoescaped, strict environment over the templates in ``directory``;
    ``options`` adds Jinja2 settings (whitespace control, ``finalize``)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,  # every template, whatever its name: all of them are HTML
        auto_reload=False,  # compiled once per process; templates change with a deploy
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, never an empty string
        **options,
    )
