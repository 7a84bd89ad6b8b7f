"""The JSON shapes of the backend's HTTP API, declared once.

Each shape is a TypedDict: the action server's client (`actions/backend_client.py`) accepts and returns them,
mypy checks both sides against them, and pydantic turns them into the request validation of the
routes (`contract.validation`) and the schemas of the OpenAPI document (`contract.openapi`).
A key marked `NotRequired` may be absent; `Optional` means the value may be null. Constraints
(`max_length`, a date's or an amount's format) sit in `Field(...)` and hold for validation and
the document alike.
"""

import typing
from typing import List, Literal, Optional, Tuple

from pydantic import Field
from typing_extensions import Annotated, NotRequired, TypedDict

from contract.vocabulary.numbers import AMOUNT_PATTERN, MONEY_PATTERN

# ----------------------------------------------------------------------------- value types

Money = Annotated[str, Field(regex=MONEY_PATTERN, example="123.45", description="decimal, two places")]
Day = Annotated[str, Field(format="date")]
NullDay = Annotated[Optional[str], Field(format="date")]
Instant = Annotated[str, Field(format="date-time")]
NullInstant = Annotated[Optional[str], Field(format="date-time")]

# what a request may send: trimmed, non-empty, without control characters, at most max_length
ShortText = Annotated[str, Field(max_length=40)]
NullShortText = Annotated[Optional[str], Field(max_length=40)]
Text = Annotated[str, Field(max_length=200)]
RequestDay = Annotated[str, Field(format="date", max_length=10)]
# a positive amount: at most 9 digits and two decimals (contract/vocabulary/numbers.py)
Amount = Annotated[str, Field(regex=AMOUNT_PATTERN, example="12.34")]

EndKind = Literal["immediate", "end_of_period", "date"]
FactorType = Literal["zip", "pin", "otp"]
END_KINDS: Tuple[str, ...] = typing.get_args(EndKind)  # how a service can end
FACTOR_TYPES: Tuple[str, ...] = typing.get_args(FactorType)  # second factors of verification

# ----------------------------------------------------------------------------- errors


class Error(TypedDict):
    """Every error answer: a code, a sentence, and for some codes more."""

    error: str
    message: str
    field: NotRequired[str]
    retry_after: NotRequired[int]
    confirmation_number: NotRequired[Optional[str]]


# ----------------------------------------------------------------------------- service


class Health(TypedDict):
    status: str


# ----------------------------------------------------------------------------- verification


class VerifyStartBody(TypedDict):
    identifier: Annotated[str, Field(max_length=254, description="account number, email or phone")]
    conversation_id: Text
    channel: NotRequired[
        Annotated[
            Optional[str], Field(max_length=40, description="input channel the handle will be used from")
        ]
    ]


class VerifyStarted(TypedDict):
    attempt_id: str
    factors: List[str]


class SendOtpBody(TypedDict):
    attempt_id: Annotated[str, Field(max_length=100)]


class OtpSent(TypedDict):
    sent: bool
    to: str


class VerifyBody(TypedDict):
    attempt_id: Annotated[str, Field(max_length=100)]
    factor: Annotated[str, Field(max_length=10, description="5-digit ZIP, 4-digit PIN or 6-digit code")]
    factor_type: NotRequired[Optional[FactorType]]


class Verified(TypedDict):
    handle: str
    expires_at: Instant
    customer_first_name: str


# ----------------------------------------------------------------------------- account


class BundleMember(TypedDict):
    id: str
    name: str


class Bundle(TypedDict):
    id: str
    name: str
    members: List[BundleMember]


class PendingCancellation(TypedDict):
    confirmation_number: str
    end_date: Day


class Discount(TypedDict):
    percent_off: int
    until: Day


class Service(TypedDict):
    id: str
    name: str
    plan: str
    price: Money
    billing_period: Literal["monthly", "annual"]
    next_anniversary: Day
    bundle: Optional[Bundle]
    status: Literal["active", "cancellation_pending", "cancelled"]
    pending_cancellation: NotRequired[PendingCancellation]
    discount: NotRequired[Discount]
    paused_until: NotRequired[Day]


class Services(TypedDict):
    services: List[Service]


class Invoice(TypedDict):
    number: str
    amount_due: Money
    due_date: Day


class Balance(TypedDict):
    balance: Money
    currency: str
    invoices: List[Invoice]
    due_at_cancellation: bool
    blocks_filing: bool
    how_to_pay: str


class Equipment(TypedDict):
    id: str
    service_id: str
    model: str
    serial_last4: str
    kind: str
    retail_price: Money
    non_return_fee: Money
    tracking_number: Optional[str]
    rma: Annotated[Optional[str], Field(description="return authorisation, issued at filing")]


class EquipmentQuery(TypedDict):
    service_id: NotRequired[ShortText]


class EquipmentList(TypedDict):
    equipment: List[Equipment]
    return_window_days: int


class BillItem(TypedDict):
    description: str
    amount: Money


class Quote(TypedDict):
    when: EndKind
    end_date: Day
    refund: Money
    final_bill_items: List[BillItem]
    renewal_warning: Optional[str]
    equipment_return_deadline: NullDay
    explanation: str


class QuoteQuery(TypedDict):
    when: NotRequired[EndKind]
    date: NotRequired[Annotated[str, Field(format="date", max_length=10, description="with when=date")]]


class Quotes(TypedDict):
    options: List[Quote]
    latest_date: Annotated[str, Field(format="date", description="the latest end date a customer may choose")]


class PreviewBody(TypedDict):
    when: EndKind
    date: NotRequired[Annotated[str, Field(format="date", max_length=10, description="with when=date")]]
    backup_confirmed: NotRequired[bool]


class Preview(TypedDict):
    """The whole summary the customer confirms before filing, as filing would settle it now."""

    service: Service
    when: EndKind
    end_date: Day
    refund: Money
    final_bill_items: List[BillItem]
    renewal_warning: Optional[str]
    explanation: str
    balance: Balance
    equipment: Annotated[
        List[Equipment], Field(description="devices still to return (no tracking number reported)")
    ]
    return_deadline: NullDay
    non_return_fee_total: Money
    terms: Annotated[str, Field(description="what the final yes accepts, in the customer's words")]


# ----------------------------------------------------------------------------- offers


class Offer(TypedDict):
    id: str
    kind: Literal["discount", "downgrade", "pause", "plan_switch"]
    title: str
    description: str
    terms: NotRequired[
        Annotated[str, Field(description="what the customer would pay with the offer, in their words")]
    ]


class OfferBody(TypedDict):
    reason: NotRequired[NullShortText]


class OfferMade(TypedDict):
    offer: Optional[Offer]


class OutcomeBody(TypedDict):
    accepted: bool


class OfferDecided(TypedDict):
    offer: Offer
    status: Literal["accepted", "declined"]


# ----------------------------------------------------------------------------- cancellations


class CancellationBody(TypedDict):
    when: EndKind
    service_id: ShortText
    date: NotRequired[Annotated[str, Field(format="date", max_length=10, description="with when=date")]]
    reason: NotRequired[NullShortText]
    channel: ShortText
    backup_confirmed: Annotated[bool, Field(description="must be true: the customer's data is backed up")]
    terms_accepted: Annotated[bool, Field(description="must be true: the customer accepts the terms")]


class Cancellation(TypedDict):
    confirmation_number: str
    status: Literal["received", "revoked", "completed"]
    received_at: Instant
    service: Service
    when: EndKind
    end_date: Day
    reason: Optional[str]
    final_bill_items: List[BillItem]
    balance: Money
    equipment: List[Equipment]
    return_deadline: NullDay
    non_return_fee_total: Money
    next_steps: List[str]
    survey_url: Optional[str]
    receipt_sent_to: Optional[str]
    revoked_at: NullInstant
    receipt_url: Annotated[Optional[str], Field(description="signed, expiring link to the PDF receipt")]
    label_url: Annotated[
        Optional[str], Field(description="signed link to the prepaid return label (devices to return)")
    ]
    return_directions: Annotated[
        Optional[str], Field(description="written return directions where no label can be produced")
    ]


class TrackingBody(TypedDict):
    tracking_number: Annotated[str, Field(max_length=60)]
    equipment_id: NotRequired[NullShortText]


class TrackingRecorded(TypedDict):
    recorded: bool
    equipment: List[Equipment]


class RefundBody(TypedDict):
    amount: Amount
    reason: Annotated[str, Field(max_length=1000)]
    service_id: NotRequired[NullShortText]


class Refund(TypedDict):
    status: Literal["credit_processing", "under_review"]
    amount: Money
    message: str


# ----------------------------------------------------------------------------- handoff


class HandoffBody(TypedDict):
    conversation_id: Text
    reason: Annotated[str, Field(max_length=60, example="customer_request")]
    channel: NotRequired[NullShortText]


class Handoff(TypedDict):
    id: int
    conversation_id: str
    channel: str
    reason: str
    status: Literal["queued", "assigned", "closed"]
    paused: bool
    on_duty: bool
    account_number: Optional[str]
    assigned_to: Annotated[Optional[str], Field(description="display name of the staff user")]
    assigned_to_me: Annotated[
        Optional[bool], Field(description="null outside the console (no staff user asked)")
    ]
    created_at: Instant
    assigned_at: NullInstant
    closed_at: NullInstant
    closed_by: Optional[str]
    outcome: Optional[Literal["handed_back", "closed"]]
    waiting_seconds: int
    customer_name: NotRequired[Optional[str]]
    reason_text: NotRequired[
        Annotated[str, Field(description="the reason in words (backend/handoff/words.py)")]
    ]
    channel_text: NotRequired[str]
    status_text: NotRequired[str]
    outcome_text: NotRequired[Optional[str]]
    reply_email: NotRequired[
        Annotated[Optional[str], Field(description="left by the customer for a reply (off duty)")]
    ]


class Duty(TypedDict):
    on_duty: bool
    mode: Literal["auto", "on", "off"]
    why: Literal["override", "outside_business_hours", "no_staff_available", "business_hours"]
    next_opening: NullInstant
    next_opening_text: Optional[str]


class QueueWait(TypedDict):
    position: Annotated[int, Field(description="place in the queue, 1 = next")]
    expected_wait_minutes: Annotated[
        int,
        Field(
            description="median time to take a chat (last 14 days, else 5 min) per chat up to this one, "
            "shared by the available staff"
        ),
    ]
    someone_available: Annotated[bool, Field(description="a staff user is marked available now")]


class QueuedHandoff(Duty, QueueWait):
    """The handoff, whether staff are on duty, and the place in the queue."""

    handoff: Handoff


class ConversationBody(TypedDict):
    conversation_id: Text


class HandoffActivity(TypedDict):
    open_handoff: Optional[int]


ConversationEventKind = Literal["misunderstood", "stopped"]
CONVERSATION_EVENT_KINDS: Tuple[str, ...] = typing.get_args(ConversationEventKind)


class ConversationEventBody(TypedDict):
    """What the assistant tells the reports (docs/reports.md): it did not understand a message
    (`misunderstood`), or the customer stopped the cancellation (`stopped`: stop, no thanks, goodbye,
    no at the confirmation)."""

    conversation_id: Text
    kind: ConversationEventKind
    channel: NotRequired[NullShortText]


class ConversationEventRecorded(TypedDict):
    recorded: bool


class ReplyEmailBody(TypedDict):
    conversation_id: Text
    email: Annotated[str, Field(max_length=254)]


class ReplyEmailKept(TypedDict):
    handoff_id: int
    reply_email: Annotated[str, Field(description="masked")]
    next_opening_text: Optional[str]


class Typing(TypedDict):
    handoff_id: int


# ----------------------------------------------------------------------------- development


class OutboxQuery(TypedDict):
    to: NotRequired[Annotated[str, Field(max_length=254)]]


class OutboxMessage(TypedDict):
    to: str
    channel: str
    kind: str
    body: str
    code: NotRequired[Optional[str]]
    created_at: Instant


class Outbox(TypedDict):
    messages: List[OutboxMessage]
