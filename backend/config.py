"""The backend's settings (`Settings`, read from the environment and a `.env` file, once at
start-up; names and defaults fixed by docs/contracts.md). The base the other processes' settings
share, and `ConfigError`, are contract/settings.py. Every variable is in `.env.example` and the
README's settings table (tests/test_settings_documented.py checks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from dotenv import load_dotenv

from contract.settings import (
    DEFAULT_COMPANY_TIMEZONE,
    DEFAULT_REDIS_KEY_PREFIX,
    ConfigError,
    check_timezone,
    read_int,
)

__all__ = ["ConfigError", "Settings", "load_settings"]


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/backend.sqlite3"
    backend_host: str = "127.0.0.1"
    backend_port: int = 8000
    backend_url: str = "http://127.0.0.1:8000"
    service_token: Optional[str] = None
    identifier_hash_key: Optional[str] = None
    policy_file: str = "backend/policy.yml"
    # The company's time zone: staff hours (unless the policy's business_hours name another).
    company_timezone: str = DEFAULT_COMPANY_TIMEZONE
    dev_outbox: bool = False
    handle_ttl_seconds: int = 900
    verify_max_failures: int = 5
    verify_lock_seconds: int = 900
    # Abuse limits (docs/security.md): one-time codes per account, anonymous handoffs, console logins.
    otp_max_per_account: int = 5
    otp_window_seconds: int = 3600
    handoff_anonymous_per_conversation: int = 3
    handoff_anonymous_window_seconds: int = 3600
    handoff_anonymous_max_open: int = 25
    console_login_failures_per_client: int = 5
    console_login_failures_per_ip: int = 30
    console_login_backoff_seconds: int = 30
    console_login_backoff_max_seconds: int = 900
    # Reverse proxies in front of the console whose X-Forwarded-For names the real client.
    trusted_proxies: Tuple[str, ...] = ()
    # Human handoff and staff console (backend/handoff, backend/console; docs/handoff.md).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: Optional[str] = None
    slack_staff_webhook_url: Optional[str] = None
    console_session_seconds: int = 28800
    # Delivery of customer messages (backend/delivery, docs/delivery.md).
    outbox_key: Optional[str] = None
    public_url: Optional[str] = None  # base of the signed receipt/label links; default: backend_url
    smtp_host: Optional[str] = None  # empty: email is not sent (messages wait in the outbox)
    smtp_port: int = 2525
    smtp_security: str = "none"  # none | starttls | tls
    smtp_user: Optional[str] = None
    smtp_password: Optional[str] = None
    smtp_sender: str = "Cancellations <no-reply@example.com>"
    twilio_account_sid: Optional[str] = None
    twilio_auth_token: Optional[str] = None
    twilio_number: Optional[str] = None
    twilio_messaging_service_sid: Optional[str] = None
    twilio_api_url: str = "https://api.twilio.com"
    mail_dir: str = "var/mail"
    # The Rasa server as the widget in a customer's browser reaches it (backend/web: the demo page).
    rasa_public_url: str = "http://127.0.0.1:5005"
    # Several backend replicas (docs/deployment.md): the staff console's live events pass between
    # them through this Redis's pub/sub (empty: each process's own consoles only).
    redis_url: Optional[str] = None
    redis_key_prefix: str = DEFAULT_REDIS_KEY_PREFIX

    def require_token(self) -> str:
        """Return the service token, or raise ConfigError when it is not set."""
        if not self.service_token:
            raise ConfigError(
                "BACKEND_SERVICE_TOKEN is not set: the backend refuses to start without a "
                "service token (set it in the environment or in .env)"
            )
        return self.service_token

    def require_identifier_hash_key(self) -> str:
        """Return IDENTIFIER_HASH_KEY, or raise ConfigError when it is not set."""
        if not self.identifier_hash_key:
            raise ConfigError(
                "IDENTIFIER_HASH_KEY is not set: the backend keys the hashes of identifiers and "
                "conversation ids with it (set it in the environment or in .env; make run generates one)"
            )
        return self.identifier_hash_key


LIMIT_SETTINGS = (
    "otp_max_per_account",
    "otp_window_seconds",
    "handoff_anonymous_per_conversation",
    "handoff_anonymous_window_seconds",
    "handoff_anonymous_max_open",
    "console_login_failures_per_client",
    "console_login_failures_per_ip",
    "console_login_backoff_seconds",
    "console_login_backoff_max_seconds",
)


_int = read_int


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "0").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name}: must be 0 or 1, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, allowed: Tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or default).strip().lower()
    if raw not in allowed:
        raise ConfigError(f"{name}: must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _redis_url(env: Mapping[str, str]) -> Optional[str]:
    raw = (env.get("REDIS_URL") or "").strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL: must be a redis://, rediss:// or unix:// URL")
    return raw or None


def load_settings(env: Optional[Mapping[str, str]] = None, dotenv: bool = True) -> Settings:
    """Build Settings from `env` (default: os.environ after loading `.env`, unless
    ``LOAD_DOTENV=0``: the test suite sets it so that a developer's `.env` never leaks into it)."""
    if env is None:
        if dotenv and os.environ.get("LOAD_DOTENV", "1").strip() != "0":
            load_dotenv(override=False)
        env = os.environ
    defaults = Settings()
    return Settings(
        database_url=env.get("DATABASE_URL") or defaults.database_url,
        backend_host=env.get("BACKEND_HOST") or defaults.backend_host,
        backend_port=_int(env, "BACKEND_PORT", defaults.backend_port),
        backend_url=env.get("BACKEND_URL") or defaults.backend_url,
        service_token=env.get("BACKEND_SERVICE_TOKEN") or None,
        identifier_hash_key=env.get("IDENTIFIER_HASH_KEY") or None,
        policy_file=env.get("POLICY_FILE") or defaults.policy_file,
        company_timezone=check_timezone(
            "COMPANY_TIMEZONE", (env.get("COMPANY_TIMEZONE") or "").strip() or defaults.company_timezone
        ),
        dev_outbox=_bool(env, "DEV_OUTBOX"),
        handle_ttl_seconds=_int(env, "HANDLE_TTL_SECONDS", defaults.handle_ttl_seconds),
        verify_max_failures=_int(env, "VERIFY_MAX_FAILURES", defaults.verify_max_failures),
        verify_lock_seconds=_int(env, "VERIFY_LOCK_SECONDS", defaults.verify_lock_seconds),
        **{name: _int(env, name.upper(), getattr(defaults, name)) for name in LIMIT_SETTINGS},
        trusted_proxies=tuple(p.strip() for p in (env.get("TRUSTED_PROXIES") or "").split(",") if p.strip()),
        rasa_url=(env.get("RASA_URL") or defaults.rasa_url).rstrip("/"),
        rasa_token=env.get("RASA_TOKEN") or None,
        slack_staff_webhook_url=env.get("SLACK_STAFF_WEBHOOK_URL") or None,
        console_session_seconds=_int(
            env, "CONSOLE_SESSION_SECONDS", defaults.console_session_seconds, minimum=60
        ),
        outbox_key=env.get("OUTBOX_KEY") or None,
        public_url=(env.get("PUBLIC_URL") or "").rstrip("/") or None,
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_int(env, "SMTP_PORT", defaults.smtp_port),
        smtp_security=_choice(env, "SMTP_SECURITY", ("none", "starttls", "tls"), defaults.smtp_security),
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_sender=env.get("SMTP_SENDER") or defaults.smtp_sender,
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
        twilio_number=env.get("TWILIO_NUMBER") or None,
        twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
        twilio_api_url=(env.get("TWILIO_API_URL") or defaults.twilio_api_url).rstrip("/"),
        mail_dir=env.get("MAIL_DIR") or defaults.mail_dir,
        rasa_public_url=(env.get("RASA_PUBLIC_URL") or defaults.rasa_public_url).rstrip("/"),
        redis_url=_redis_url(env),
        redis_key_prefix=(env.get("REDIS_KEY_PREFIX") or "").strip() or defaults.redis_key_prefix,
    )


# --------------------------------------------------------------------------- other processes' settings
