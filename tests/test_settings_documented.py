"""Every environment variable the settings objects read (the backend's, the action server's, the Rasa
plugins') is in .env.example, under a comment, and in the README's settings table."""

import re
from pathlib import Path

from actions.settings import ActionServerSettings
from backend.config import load_settings
from bot.rasa_settings import RasaSettings

ROOT = Path(__file__).resolve().parents[1]


class Recording(dict):
    """An empty environment that remembers the names asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set = set()

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)


def names_read(*readers) -> set:
    env = Recording()
    for read in readers:
        read(env)
    return env.read


def every_variable() -> set:
    return names_read(
        lambda env: load_settings(env=env), ActionServerSettings.from_env, RasaSettings.from_env
    )


def test_the_settings_objects_read_what_they_declare():
    # what `current()` watches to rebuild the settings is exactly what they read
    for settings in (ActionServerSettings, RasaSettings):
        assert names_read(settings.from_env) == set(settings.env_names()), settings
    assert {
        "DATABASE_URL",
        "RASA_PUBLIC_URL",
        "ACTION_SERVER_TOKEN",
        "TRACKER_CACHE_SIZE",
    } <= every_variable()


def test_every_variable_is_in_env_example_under_a_comment():
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    assigned = {}
    for i, line in enumerate(lines):
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            j = i - 1
            while j >= 0 and re.match(r"^[A-Z][A-Z0-9_]*=", lines[j]):
                j -= 1  # a group of variables under one comment
            assigned[match.group(1)] = j >= 0 and lines[j].startswith("#")
    missing = sorted(every_variable() - set(assigned))
    assert not missing, f"not in .env.example: {missing}"
    uncommented = sorted(name for name in every_variable() if not assigned[name])
    assert not uncommented, f"no comment above them in .env.example: {uncommented}"


def test_every_variable_is_in_the_readme_settings_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", table))
    missing = sorted(every_variable() - documented)
    assert not missing, f"not in the README's settings table: {missing}"
