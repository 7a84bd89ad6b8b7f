"""Website channel: widget bundle and demo page (see docs/channels.md)."""
