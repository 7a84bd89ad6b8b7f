"""Session-wide fixtures: the trained model (once per content) and the running stack."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Tests set every setting they need; a developer's .env (made by `make run`) must not leak in,
# neither here nor in the processes the tests start (they inherit this).
os.environ["LOAD_DOTENV"] = "0"
sys.path.insert(0, str(ROOT / "scripts"))

from ensure_model import ensure_model  # noqa: E402


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The assistant's model for the current training data (trained at most once)."""
    return ensure_model(ROOT)


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory):
    """Backend, action server and Rasa running for the whole session."""
    from devstack.stack import Stack

    with Stack(tmp_path_factory.mktemp("stack"), trained_model) as running:
        yield running


def pytest_collection_modifyitems(config, items):
    """Run the run-path tests first (the model their fresh copy trains serves every later test,
    so a test run trains it once); skip tests of outside services whose TEST_* URL is unset,
    saying why."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("run_path") else 1)
    needs = {
        "postgres": ("TEST_POSTGRES_URL", "PostgreSQL"),
        "redis": ("TEST_REDIS_URL", "Redis"),
        "rabbitmq": ("TEST_RABBITMQ_URL", "RabbitMQ"),
    }
    for item in items:
        for marker, (variable, name) in needs.items():
            if marker in item.keywords and not os.environ.get(variable):
                item.add_marker(
                    pytest.mark.skip(reason=f"needs {name}: set {variable} (CI sets it in .ci/run)")
                )
