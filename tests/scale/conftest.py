"""Fixtures of the scale-out tests: the tiny channel-test model (tests/channels/conftest.py)."""

from tests.channels.conftest import tiny_model  # noqa: F401
