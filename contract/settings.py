"""Settings shared by every process: `ConfigError`, integer reading, and `ProcessSettings`, the
base of the settings of the action server (actions/settings.py) and of the Rasa server's plugins
(bot/rasa_settings.py); the backend's own settings are backend/config.py. Every variable is in
`.env.example` and the README's settings table (tests/test_settings_documented.py checks it).
"""

from __future__ import annotations

import os
import zoneinfo
from dataclasses import dataclass, field, fields
from typing import Any, Dict, Mapping, Tuple, Type, TypeVar, cast

# prefix of the Redis keys and channels of one deployment (REDIS_KEY_PREFIX), for every process
DEFAULT_REDIS_KEY_PREFIX = "cancel_assistant"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def read_int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    """The integer variable `name` of `env` (unset or empty: `default`), at least `minimum`."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}: must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}")
    return value


# The company's time zone (COMPANY_TIMEZONE): the customers' "today" and the staff hours.
DEFAULT_COMPANY_TIMEZONE = "America/New_York"


def check_timezone(name: str, zone: str) -> str:
    """`zone` when it is a known IANA time zone; ConfigError naming the variable `name` otherwise."""
    try:
        zoneinfo.ZoneInfo(zone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ConfigError(
            f"{name}: unknown time zone {zone!r} (an IANA name such as America/New_York)"
        ) from None
    return zone


_T = TypeVar("_T", bound="ProcessSettings")


def env_field(name: str, default: Any = None) -> Any:
    """A setting read from the environment variable `name` (empty or unset: `default`)."""
    return field(default=default, metadata={"env": name})


@dataclass(frozen=True)
class ProcessSettings:
    """Base of the settings of the processes other than the backend (the action server's, the
    Rasa server's plugins'): frozen dataclasses whose fields name their variable with `env_field`.
    Integer fields are checked (ConfigError names the variable); the others are kept as written."""

    @classmethod
    def env_names(cls) -> Tuple[str, ...]:
        """The environment variables these settings read."""
        return tuple(f.metadata["env"] for f in fields(cls))

    @classmethod
    def from_env(cls: Type[_T], env: Mapping[str, str]) -> _T:
        """Build the settings from `env` (a mapping such as os.environ)."""
        values: Dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                continue
            values[f.name] = read_int(env, name, cast(int, f.default), minimum=0) if f.type == "int" else raw
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Further rules of a subclass (raise ConfigError naming the variable)."""

    @classmethod
    def current(cls: Type[_T]) -> _T:
        """This process's settings: built from the environment once, and again only when one of
        its variables changed (tests patch the environment; a deployed process never does)."""
        key = (cls, tuple(os.environ.get(name) for name in cls.env_names()))
        found = _CURRENT.get(cls)
        if found is None or found[0] != key:
            found = _CURRENT[cls] = (key, cls.from_env(os.environ))
        return cast(_T, found[1])


_CURRENT: Dict[type, Tuple[Any, Any]] = {}
