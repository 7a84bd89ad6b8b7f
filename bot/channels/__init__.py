"""Customer channels for Rasa: Slack and Twilio SMS input channels with signed-request checks,
and the number-reply mapping shared by text-only channels (see docs/channels.md)."""
