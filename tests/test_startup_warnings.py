"""scripts/startup/sitecustomize.py (on PYTHONPATH in make run and make shell): the listed
deprecation warnings of pinned dependencies are hidden, every other warning still shows."""

from __future__ import annotations

import os
import subprocess
import sys

from devstack.stack import ROOT

SCRIPT = """
import warnings
warnings.warn("pkg_resources is deprecated as an API. See the docs.", DeprecationWarning)
warnings.warn("Calling URL() directly is deprecated and will be disabled.", DeprecationWarning)
# SQLAlchemy's colours on a terminal (make shell)
warnings.warn("\x1b[31mDeprecated API features detected! Not for 2.0.\x1b[0m", DeprecationWarning)
warnings.warn("bot.something is deprecated: use bot.other", DeprecationWarning)
warnings.warn("a project's own warning", UserWarning)
"""


def test_dependency_deprecations_are_hidden_and_other_warnings_shown():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts" / "startup"), "PYTHONWARNINGS": "always"}
    answer = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "pkg_resources" not in answer.stderr and "URL()" not in answer.stderr, answer.stderr
    assert "Deprecated API features" not in answer.stderr, answer.stderr
    assert "bot.something is deprecated" in answer.stderr, answer.stderr
    assert "a project's own warning" in answer.stderr, answer.stderr


def test_without_the_startup_folder_the_same_warnings_show():
    """The filter is what hides them (the check above could not pass by accident)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "always"}
    answer = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "pkg_resources is deprecated" in answer.stderr and "URL()" in answer.stderr, answer.stderr
    assert "Deprecated API features" in answer.stderr, answer.stderr
