"""The routes of the backend's HTTP API that the action server, Rasa's tracker store and the
website widget call: method, path, what each takes and answers (shapes of contract.shapes).

The backend registers a handler for each (tests/backend/test_contract.py checks that the app and this
table agree), the client builds its URLs from them (`Operation.url`), and contract.openapi writes
the OpenAPI document from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Literal, Optional, Tuple
from urllib.parse import quote

from contract import shapes as s

Need = Literal["required", "optional", "no"]

# Answers: status -> (shape of the JSON body or None, description)
Answers = Dict[int, Tuple[Optional[type], str]]

VERIFICATION = "Verification"
ACCOUNT = "Account"
ENDING = "Ending a service"
REQUESTS = "Cancellation requests"
HANDOFF = "Handoff to a person"
REPORTS = "Reports"
DEVELOPMENT = "Development"
SERVICE = "Service"
TAGS = {
    VERIFICATION: "Identify the customer; the handle it gives authorises the calls below.",
    ACCOUNT: "What the verified customer has (service token + handle).",
    ENDING: "Quotes and the one retention offer.",
    REQUESTS: "File, look up, revoke; equipment returns; refunds.",
    HANDOFF: "Queue a chat for staff (docs/handoff.md).",
    REPORTS: "What the assistant tells the reports (docs/reports.md).",
    DEVELOPMENT: "Only with DEV_OUTBOX=1.",
    SERVICE: "Liveness and this document.",
}
PATH_PARAMETERS = {
    "confirmation_number": "XXXX-XXXX-XXXX, any case, dashes optional",
    "service_id": "",
    "offer_id": "",
}


@dataclass(frozen=True, eq=False)  # one object per route: compared and hashed by identity
class Operation:
    """One route: ``handle`` says whether the verification handle headers go with it, ``key``
    whether an Idempotency-Key header does, ``token`` whether the service token is needed."""

    method: str
    path: str
    summary: str
    tag: str
    answers: Answers
    body: Optional[type] = None
    query: Optional[type] = None
    handle: Need = "required"
    key: Need = "no"
    token: bool = True
    cors: bool = False
    description: str = ""
    errors: Answers = field(default_factory=dict)

    def url(self, **segments: str) -> str:
        """The path with its ``{name}`` segments filled in, each quoted (ids come from users: no
        slash or dot may escape its segment)."""
        return self.path.format(**{name: quote(str(value), safe="") for name, value in segments.items()})


API = "/api/v1"
_UNKNOWN_SERVICE: Answers = {404: (s.Error, "Unknown service")}
_REUSED = "Idempotency-Key already used with another request"

HEALTH = Operation("GET", "/health", "Liveness", SERVICE, {200: (s.Health, "OK")}, handle="no", token=False)
OPENAPI = Operation("GET", "/openapi.json", "This document", SERVICE, {200: (None, "OK")}, handle="no")
VERIFY_START = Operation(
    "POST",
    f"{API}/verify/start",
    "Start verification for an account number, email or phone (same answer for unknown ones)",
    VERIFICATION,
    {200: (s.VerifyStarted, "OK")},
    body=s.VerifyStartBody,
    handle="no",
)
SEND_OTP = Operation(
    "POST",
    f"{API}/verify/otp",
    "Send a one-time code to the registered email/phone (same answer for unknown accounts)",
    VERIFICATION,
    {202: (s.OtpSent, "Sent"), 404: (s.Error, "Unknown or expired attempt")},
    body=s.SendOtpBody,
    handle="no",
)
VERIFY = Operation(
    "POST",
    f"{API}/verify",
    "Check the second factor; issue a handle bound to the conversation",
    VERIFICATION,
    {200: (s.Verified, "OK"), 429: (s.Error, "Locked; `retry_after` seconds")},
    body=s.VerifyBody,
    handle="no",
)
SERVICES = Operation(
    "GET", f"{API}/services", "Active services of the account", ACCOUNT, {200: (s.Services, "OK")}
)
BALANCE = Operation("GET", f"{API}/balance", "Outstanding balance", ACCOUNT, {200: (s.Balance, "OK")})
EQUIPMENT = Operation(
    "GET",
    f"{API}/equipment",
    "Leased equipment and non-return fees",
    ACCOUNT,
    {200: (s.EquipmentList, "OK"), **_UNKNOWN_SERVICE},
    query=s.EquipmentQuery,
)
QUOTE = Operation(
    "GET",
    f"{API}/services/{{service_id}}/quote",
    "End options with end date, refund, final-bill items and warnings",
    ENDING,
    {200: (s.Quotes, "OK"), **_UNKNOWN_SERVICE},
    query=s.QuoteQuery,
)
PREVIEW = Operation(
    "POST",
    f"{API}/services/{{service_id}}/preview",
    "The whole summary the customer confirms before filing: service, end date, final bill, balance, "
    "equipment to return and the terms (nothing is changed)",
    ENDING,
    {200: (s.Preview, "OK"), **_UNKNOWN_SERVICE},
    body=s.PreviewBody,
)
OFFER = Operation(
    "POST",
    f"{API}/services/{{service_id}}/offer",
    "The one retention offer for this service in this conversation (recorded as made)",
    ENDING,
    {200: (s.OfferMade, "OK"), **_UNKNOWN_SERVICE, 409: (s.Error, _REUSED)},
    body=s.OfferBody,
    key="optional",
)
OFFER_OUTCOME = Operation(
    "POST",
    f"{API}/offers/{{offer_id}}/outcome",
    "Accept (applies the save) or decline an offer",
    ENDING,
    {
        200: (s.OfferDecided, "OK"),
        404: (s.Error, "Unknown offer"),
        409: (s.Error, "Already decided otherwise, or Idempotency-Key reused"),
    },
    body=s.OutcomeBody,
    key="optional",
)
FILE_CANCELLATION = Operation(
    "POST",
    f"{API}/cancellations",
    "File a cancellation request (idempotent per Idempotency-Key: a replay answers the first 201 again)",
    REQUESTS,
    {
        201: (s.Cancellation, "Filed"),
        200: (s.Cancellation, "Replay of a key used before answers were stored"),
        **_UNKNOWN_SERVICE,
        409: (s.Error, "Already requested, key reused, or balance blocks filing"),
    },
    body=s.CancellationBody,
    key="required",
)
CANCELLATION = Operation(
    "GET",
    f"{API}/cancellations/{{confirmation_number}}",
    "Status of a request of the verified account",
    REQUESTS,
    {200: (s.Cancellation, "OK"), 404: (s.Error, "Unknown or another account's")},
)
REVOKE = Operation(
    "POST",
    f"{API}/cancellations/{{confirmation_number}}/revoke",
    "Revoke a request before its end date",
    REQUESTS,
    {
        200: (s.Cancellation, "OK"),
        404: (s.Error, "Unknown"),
        409: (s.Error, "End date reached, already revoked (without a replayed key), or key reused"),
    },
    key="optional",
)
TRACKING = Operation(
    "POST",
    f"{API}/cancellations/{{confirmation_number}}/tracking",
    "Report the tracking number of returned equipment",
    REQUESTS,
    {
        200: (s.TrackingRecorded, "OK"),
        404: (s.Error, "Unknown request or device"),
        409: (s.Error, "Nothing to return, or Idempotency-Key reused"),
    },
    body=s.TrackingBody,
    key="optional",
)
REFUNDS = Operation(
    "POST",
    f"{API}/refunds",
    "Request a refund (credit up to the policy threshold, billing review above)",
    REQUESTS,
    {200: (s.Refund, "OK"), 409: (s.Error, _REUSED), **_UNKNOWN_SERVICE},
    body=s.RefundBody,
    key="required",
)
HANDOFFS = Operation(
    "POST",
    f"{API}/handoffs",
    "Queue the chat for a person (docs/handoff.md); one open handoff per conversation. The handle "
    "headers are optional: with a valid handle the verified account is attached",
    HANDOFF,
    {
        201: (s.QueuedHandoff, "Queued"),
        200: (s.QueuedHandoff, "Already queued: the open handoff"),
        409: (s.Error, _REUSED),
    },
    body=s.HandoffBody,
    handle="optional",
    key="optional",
)
HANDOFF_ACTIVITY = Operation(
    "POST",
    f"{API}/handoffs/activity",
    "Rasa's tracker store (bot/rasa_handoff_notice.py): a paused or just-handed-off conversation changed; "
    "consoles showing its open handoff reload the transcript",
    HANDOFF,
    {200: (s.HandoffActivity, "The open handoff's id, or null (nothing to tell)")},
    body=s.ConversationBody,
    handle="no",
)
CONVERSATION_EVENTS = Operation(
    "POST",
    f"{API}/conversation-events",
    "Record that the assistant did not understand a message or that the customer stopped the "
    "cancellation (audited under the conversation's keyed hash; counted by the reports)",
    REPORTS,
    {200: (s.ConversationEventRecorded, "Recorded")},
    body=s.ConversationEventBody,
    handle="no",
)
REPLY_EMAIL = Operation(
    "POST",
    "/widget/v1/reply-email",
    "The website widget, off duty: the customer leaves an email for a reply (optional). No token: the "
    "widget's session id authorizes it, so only a waiting `socketio` handoff qualifies; CORS open",
    HANDOFF,
    {
        200: (s.ReplyEmailKept, "Kept"),
        404: (s.Error, "No waiting website-chat handoff in this conversation"),
        422: (s.Error, "Not an email address"),
    },
    body=s.ReplyEmailBody,
    handle="no",
    token=False,
    cors=True,
)
TYPING = Operation(
    "POST",
    "/widget/v1/typing",
    "The website widget: the customer is typing in a chat a person handles (the staff console shows it). "
    "The widget's session id authorizes it: only an open `socketio` handoff qualifies; CORS open",
    HANDOFF,
    {
        200: (s.Typing, "Told the consoles"),
        404: (s.Error, "No open website-chat handoff in this conversation"),
    },
    body=s.ConversationBody,
    handle="no",
    token=False,
    cors=True,
)
DEV_OUTBOX = Operation(
    "GET",
    f"{API}/dev/outbox",
    "Sent codes and receipts (only with DEV_OUTBOX=1; 404 otherwise)",
    DEVELOPMENT,
    {200: (s.Outbox, "OK"), 404: (s.Error, "Dev outbox disabled")},
    query=s.OutboxQuery,
    handle="no",
)

OPERATIONS: Tuple[Operation, ...] = (
    HEALTH,
    OPENAPI,
    VERIFY_START,
    SEND_OTP,
    VERIFY,
    SERVICES,
    BALANCE,
    EQUIPMENT,
    QUOTE,
    PREVIEW,
    OFFER,
    OFFER_OUTCOME,
    FILE_CANCELLATION,
    CANCELLATION,
    REVOKE,
    TRACKING,
    REFUNDS,
    HANDOFFS,
    HANDOFF_ACTIVITY,
    CONVERSATION_EVENTS,
    REPLY_EMAIL,
    TYPING,
    DEV_OUTBOX,
)
