"""What the console shows instead of codes: reasons, channels, statuses in words, money as
"$1,250.00", dates as "Saturday, December 19" and times as "14:05" in the staff time zone.

One place for these texts: the console pages, its JSON (`*_text` fields) and the transcript use them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from contract.vocabulary.numbers import format_money

HANDOFF_REASONS = {
    "customer_request": "Asked for a person",
    "fallback": "The assistant did not understand twice",
    "verification_locked": "Verification locked after failed attempts",
    "policy:refund_over_threshold": "Refund above the threshold (policy)",
    "policy:sales_callback": "Sales callback (policy)",
}
CHANNELS = {
    "socketio": "Website chat",
    "rest": "App / API",
    "slack": "Slack",
    "twilio": "SMS",
    "unknown": "Unknown channel",
}
HANDOFF_STATUSES = {"queued": "Waiting", "assigned": "With a person", "closed": "Closed"}
OUTCOMES = {"handed_back": "Handed back to the assistant", "closed": "Closed by a supervisor"}
SERVICE_STATUSES = {
    "active": "Active",
    "cancellation_pending": "Cancellation pending",
    "cancelled": "Cancelled",
}
REQUEST_STATUSES = {"received": "Filed", "revoked": "Revoked"}
END_KINDS = {
    "immediate": "right away",
    "end_of_period": "at the end of the billing period",
    "date": "on the date the customer chose",
}
CANCEL_REASONS = {
    "price": "Price",
    "moving": "Moving",
    "not_using": "Not using it",
    "switching": "Switching provider",
    "service_quality": "Service quality",
    "other": "Other",
}
OFFER_STATUSES = {"made": "Offered, no answer yet", "accepted": "Accepted", "declined": "Declined"}
# Intents a customer sends as "/intent" without a button offered just before (the widget's greeting
# on open, a typed shortcut): what they mean.
INTENTS = {
    "greet": "(opened the chat)",
    "request_human": "Asked for a person",
    "affirm": "Yes",
    "deny": "No",
    "cancel_service": "Cancel a service",
    "restart": "(started over)",
}
REFUND_STATUSES = {"credit_processing": "Credit being processed", "under_review": "Under review by billing"}


def words(code: Optional[str], table: dict) -> str:
    """The table's text for a code; an unknown code with its underscores as spaces."""
    if not code:
        return ""
    return table.get(code) or code.replace("_", " ").replace(":", ": ").capitalize()


def dollars(amount: Any) -> str:
    """'1250' -> '$1,250.00'; '-5' -> '-$5.00' (contract.vocabulary.numbers.format_money)."""
    return format_money(amount)


def day(value: Any, today: Optional[date] = None) -> str:
    """'2026-12-19' -> 'Saturday, December 19' (the year added when it is not this year's)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return ""
    today = today or datetime.now(timezone.utc).date()
    text = f"{value.strftime('%A, %B')} {value.day}"
    return text if value.year == today.year else f"{text}, {value.year}"


def moment(value: Any, zone: str) -> Optional[datetime]:
    """An epoch (Rasa's timestamps), an aware or naive-UTC datetime, or an ISO text, in `zone`."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        at = datetime.fromtimestamp(float(value), timezone.utc)
    elif isinstance(value, datetime):
        at = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        try:
            at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return at.astimezone(ZoneInfo(zone))


def clock(value: Any, zone: str) -> str:
    """'14:05' in the staff time zone."""
    at = moment(value, zone)
    return at.strftime("%H:%M") if at else ""


def when(value: Any, zone: str, today: Optional[date] = None) -> str:
    """'Saturday, December 19 at 14:05'."""
    at = moment(value, zone)
    return f"{day(at.date(), today)} at {at.strftime('%H:%M')}" if at else ""
