"""The action server's settings (``python -m actions.server`` and the backend client the actions
use), read from the environment once per process (contract/settings.ProcessSettings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Optional

from contract.settings import DEFAULT_COMPANY_TIMEZONE, ProcessSettings, check_timezone, env_field
from contract.vocabulary.dates import today_in


@dataclass(frozen=True)
class ActionServerSettings(ProcessSettings):
    backend_url: str = env_field("BACKEND_URL", "http://127.0.0.1:8000")
    backend_service_token: Optional[str] = env_field("BACKEND_SERVICE_TOKEN")
    backend_timeout_seconds: str = env_field("BACKEND_TIMEOUT_SECONDS", "10")
    action_server_token: Optional[str] = env_field("ACTION_SERVER_TOKEN")
    action_host: str = env_field("ACTION_HOST", "127.0.0.1")
    action_port: int = env_field("ACTION_PORT", 5055)
    action_package: str = env_field("ACTION_PACKAGE", "actions")
    # The customers' "today" (dates they write, dates the assistant shows).
    company_timezone: str = env_field("COMPANY_TIMEZONE", DEFAULT_COMPANY_TIMEZONE)

    def check(self) -> None:
        from contract.settings import ConfigError

        try:
            seconds = float(self.backend_timeout_seconds)
        except ValueError:
            raise ConfigError("BACKEND_TIMEOUT_SECONDS: must be a number of seconds") from None
        if not seconds > 0:
            raise ConfigError("BACKEND_TIMEOUT_SECONDS: must be more than 0")
        check_timezone("COMPANY_TIMEZONE", self.company_timezone)

    @property
    def backend_timeout(self) -> float:
        return float(self.backend_timeout_seconds)


def company_today() -> date:
    """Today in the company's time zone (COMPANY_TIMEZONE of this process's settings)."""
    return today_in(ActionServerSettings.current().company_timezone)


def company_date(moment: Any) -> Optional[date]:
    """The date in the company's time zone of a moment as the API writes it (ISO 8601 UTC, e.g.
    ``received_at``); None when it is missing or unreadable."""
    try:
        at = datetime.fromisoformat(str(moment or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return today_in(ActionServerSettings.current().company_timezone, at)
