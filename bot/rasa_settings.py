"""The settings of the plugins the Rasa server loads (channels, tracker store and its cache,
sealing, the handoff notice), read from the environment once per process
(contract/settings.ProcessSettings). A channel's value in credentials.yml wins over these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from contract.settings import ProcessSettings, env_field


@dataclass(frozen=True)
class RasaSettings(ProcessSettings):
    # Conversation identity and sealing (docs/security.md); unset: a random key per process.
    conversation_id_secret: Optional[str] = env_field("CONVERSATION_ID_SECRET")
    # Tracker store (bot/rasa_tracker_store.py) and its in-memory cache.
    tracker_db_url: Optional[str] = env_field("TRACKER_DB_URL")
    tracker_cache_size: int = env_field("TRACKER_CACHE_SIZE", 500)
    # The backend, told when a handed-off chat changed (bot/rasa_handoff_notice.py).
    backend_url: Optional[str] = env_field("BACKEND_URL")
    backend_service_token: Optional[str] = env_field("BACKEND_SERVICE_TOKEN")
    # Channels (bot/channels).
    rest_channel_token: Optional[str] = env_field("REST_CHANNEL_TOKEN")
    rest_channel_open: str = env_field("REST_CHANNEL_OPEN", "0")
    max_message_chars: int = env_field("MAX_MESSAGE_CHARS", 4000)
    max_body_bytes: int = env_field("MAX_BODY_BYTES", 64 * 1024)
    slack_bot_token: Optional[str] = env_field("SLACK_BOT_TOKEN")
    slack_signing_secret: Optional[str] = env_field("SLACK_SIGNING_SECRET")
    slack_channel: Optional[str] = env_field("SLACK_CHANNEL")
    slack_api_url: Optional[str] = env_field("SLACK_API_URL")
    twilio_account_sid: Optional[str] = env_field("TWILIO_ACCOUNT_SID")
    twilio_auth_token: Optional[str] = env_field("TWILIO_AUTH_TOKEN")
    twilio_number: Optional[str] = env_field("TWILIO_NUMBER")
    twilio_messaging_service_sid: Optional[str] = env_field("TWILIO_MESSAGING_SERVICE_SID")
    twilio_webhook_url: Optional[str] = env_field("TWILIO_WEBHOOK_URL")
    twilio_api_url: Optional[str] = env_field("TWILIO_API_URL")
    sms_store_url: Optional[str] = env_field("SMS_STORE_URL")
    sms_max_chars: Optional[str] = env_field("SMS_MAX_CHARS")
    sms_service_name: Optional[str] = env_field("SMS_SERVICE_NAME")

    def check(self) -> None:
        from contract.settings import ConfigError

        if self.max_message_chars < 1 or self.max_body_bytes < 1:
            raise ConfigError("MAX_MESSAGE_CHARS, MAX_BODY_BYTES: must be at least 1")


def rasa_settings() -> RasaSettings:
    """The Rasa server's plugin settings (built once per process)."""
    return RasaSettings.current()
