"""Keep the start-up output of make run's processes readable.

scripts/run.sh puts this folder on PYTHONPATH, so Python imports this module at start in every
process of the Procfile. It hides the deprecation warnings that pinned dependencies print at
every start (listed in ``DEPENDENCY_WARNINGS``, matched by the start of their message); every
other warning, the project's own included, is shown as before. The filter sits in
``warnings.showwarning`` (the documented display hook) because Sanic, imported by Rasa, puts
its own "once" rule for DeprecationWarning in front of any filter given by PYTHONWARNINGS.
Colour codes are ignored when matching: SQLAlchemy paints its message red on a terminal
(``make shell``).
"""

from __future__ import annotations

import re
import warnings

DEPENDENCY_WARNINGS = (
    "Deprecated API features detected",  # SQLAlchemy MovedIn20Warning, rasa.core.tracker_store
    "Calling URL() directly is deprecated",  # SQLAlchemy, rasa.core.tracker_store
    "pkg_resources is deprecated as an API",  # setuptools, imported by rasa
    "Deprecated call to `pkg_resources.declare_namespace",  # mpl_toolkits, ruamel
    "distutils Version classes are deprecated",  # sanic_cors
    "jax.xla_computation is deprecated",  # tensorflow.lite
    "'setParseAction' deprecated",  # pyparsing, from matplotlib
    "'parseString' deprecated",
    "'resetCache' deprecated",
)

# ANSI colour and style codes (SQLAlchemy's "\x1b[31m...\x1b[0m" when stderr is a terminal)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_show = warnings.showwarning


def _showwarning(message, category, filename, lineno, file=None, line=None):
    """Show a warning unless it is one of the known dependency deprecations."""
    if _ANSI.sub("", str(message)).startswith(DEPENDENCY_WARNINGS):
        return
    _show(message, category, filename, lineno, file, line)


warnings.showwarning = _showwarning
