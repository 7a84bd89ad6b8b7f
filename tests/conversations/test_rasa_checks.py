"""Rasa's own checks, run inside the suite on the model trained once for this content.

- ``rasa data validate``: domain, NLU data, stories and rules agree, with no warning.
- ``rasa test core`` over ``tests/conversations``: every dialogue branch (intents only) and the
  end-to-end stories (``--e2e``: user text through NLU and dialogue, so a wrong intent or entity
  fails too); any wrong prediction fails.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA = [sys.executable, "-m", "rasa"]

pytestmark = pytest.mark.slow


def _run(args, cwd=ROOT, timeout=900):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_data_validates_without_warnings():
    result = _run([*RASA, "data", "validate", "--fail-on-warnings", "--quiet"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_conversation_stories_predict_without_error(trained_model, tmp_path):
    result = _run(
        [
            *RASA,
            "test",
            "core",
            "--model",
            str(trained_model),
            "--stories",
            "tests/conversations",
            "--e2e",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path / "results"),
            "--no-plot",
        ]
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text()[:4000] if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-2000:] + result.stderr[-2000:]
