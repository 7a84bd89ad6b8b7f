"""scripts/settings_env.py: make run's and make shell's settings. The environment wins over
.env; the URLs of this copy's own processes follow its ports unless set."""

from __future__ import annotations

from settings_env import resolve  # scripts/ is on sys.path (tests/conftest.py)


def test_the_urls_follow_the_ports_of_env():
    exported = resolve(
        {}, {"BACKEND_PORT": "8100", "ACTION_PORT": "5155", "RASA_PORT": "5105", "RASA_URL": ""}
    )
    assert exported["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5155/webhook"
    assert exported["BACKEND_URL"] == "http://127.0.0.1:8100"
    assert exported["RASA_URL"] == exported["RASA_PUBLIC_URL"] == "http://127.0.0.1:5105"


def test_a_port_in_the_environment_wins_over_env_and_moves_its_url():
    exported = resolve({"ACTION_PORT": "6000"}, {"ACTION_PORT": "5155"})
    assert "ACTION_PORT" not in exported  # already in the environment: left as it is
    assert exported["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6000/webhook"


def test_a_url_set_in_env_or_the_environment_is_kept():
    exported = resolve({"RASA_URL": "http://rasa.internal:5005"}, {"BACKEND_URL": "http://backend:8000"})
    assert exported["BACKEND_URL"] == "http://backend:8000"
    assert "RASA_URL" not in exported
    assert exported["RASA_PUBLIC_URL"] == "http://127.0.0.1:5005"


def test_defaults_without_env():
    exported = resolve({}, {})
    assert exported["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
    assert exported["RASA_PORT"] == "5005" and exported["RASA_HOST"] == "127.0.0.1"
