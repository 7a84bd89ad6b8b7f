"""What the backend recorded about each conversation, read from the audit trail and the tables
(cancellation_requests, retention_offers, handoffs, refund_requests) — never from chat text.
backend.reports.summary turns these facts into one summary row per conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Dict, Iterable, List, Optional

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from backend.handoff.models import Handoff
from backend.models import Account, AuditEvent, CancellationRequest, RefundRequest, RetentionOffer, Service

# Steps a customer's conversation records (staff actions such as handoff_taken do not start one).
CONVERSATION_ACTIONS = (
    "verify_started",
    "otp_sent",
    "verify_succeeded",
    "verify_failed",
    "verify_locked",
    "verify_refused_locked",
    "service_quoted",
    "offer_none",
    "offer_made",
    "offer_holdout",
    "offer_outcome",
    "cancellation_filed",
    "cancellation_refused",
    "cancellation_revoked",
    "tracking_reported",
    "refund_requested",
    "handoff_requested",
    "conversation_misunderstood",
    "conversation_stopped",
)
# Steps that may start a conversation: their details name the input channel and keep the
# conversation id sealed (backend.audit, `sealed_conversation`).
ENTRY_ACTIONS = ("verify_started", "handoff_requested", "conversation_misunderstood", "conversation_stopped")
SERVICE_STEPS = (
    "service_quoted",
    "offer_none",
    "offer_made",
    "offer_holdout",
    "cancellation_filed",
    "cancellation_refused",
)
CONFIRM_STEPS = ("cancellation_filed", "cancellation_refused")
BATCH = 500  # conversation keys per query


@dataclass
class Cancellation:
    confirmation_number: str
    service_id: str
    received_at: datetime
    end_kind: str
    status: str
    reason: Optional[str]
    channel: str


@dataclass
class Offer:
    id: str
    service_id: str
    rule_id: str
    title: str
    kind: str
    reason: Optional[str]
    status: str  # made | accepted | declined | holdout
    made_at: datetime
    decided_at: Optional[datetime]
    monthly_price: Decimal
    billing_period: str
    changes: Dict = field(default_factory=dict)
    later_cancelled_at: Optional[datetime] = None  # first request for the service at/after the offer
    later_cancellation_stands: bool = False  # that request (or a later one) was not revoked


@dataclass
class HandoffFact:
    id: int
    reason: str
    channel: str
    created_at: datetime
    assigned_at: Optional[datetime]


@dataclass
class Conversation:
    id: str  # the conversation key (keyed hash of the conversation id)
    started_at: datetime
    last_at: datetime
    account_id: Optional[int]
    tier: Optional[str] = None
    identified: bool = False
    service_chosen: bool = False
    confirmed: bool = False
    offer_call_reason: Optional[str] = None
    start_channel: Optional[str] = None  # the input channel named when verification started
    misunderstood: bool = False  # the assistant recorded at least one message it did not understand
    stopped: bool = False  # the customer stopped the cancellation (stop, no thanks, goodbye, no)
    sealed_id: Optional[str] = None  # the conversation id, sealed (backend.hashing.seal_conversation_id)
    cancellations: List[Cancellation] = field(default_factory=list)
    offers: List[Offer] = field(default_factory=list)
    handoffs: List[HandoffFact] = field(default_factory=list)
    refunds: List[str] = field(default_factory=list)  # route (status) of each refund request

    @property
    def reason(self) -> Optional[str]:
        """The reason the backend recorded: at filing, else with the offer request; None if none."""
        for c in self.cancellations:
            if c.reason:
                return c.reason
        for o in self.offers:
            if o.reason:
                return o.reason
        return self.offer_call_reason

    @property
    def channel(self) -> str:
        """The input channel: of the filing, else of the handoff, else the one named when
        verification started; "unknown" if none was recorded."""
        for c in self.cancellations:
            return c.channel
        for h in self.handoffs:
            return h.channel
        return self.start_channel or "unknown"

    @property
    def filed(self) -> Optional[Cancellation]:
        return self.cancellations[0] if self.cancellations else None

    @property
    def offer(self) -> Optional[Offer]:
        return self.offers[0] if self.offers else None


def monthly_price(price: Decimal, billing_period: str) -> Decimal:
    """A service price per month (annual prices / 12)."""
    return Decimal(price) / 12 if billing_period == "annual" else Decimal(price)


def load(session: Session, ids: Iterable[str]) -> Dict[str, Conversation]:
    """What the backend recorded about these conversations, given by their conversation keys (those
    without a customer step are left out)."""
    ids = list(ids)
    conversations: Dict[str, Conversation] = {}
    for start in range(0, len(ids), BATCH):
        conversations.update(_load_batch(session, ids[start : start + BATCH]))
    return conversations


def _load_batch(session: Session, ids: List[str]) -> Dict[str, Conversation]:
    flag = lambda actions: func.max(case((AuditEvent.action.in_(actions), 1), else_=0))  # noqa: E731
    rows = session.execute(
        select(
            AuditEvent.conversation_key,
            func.min(AuditEvent.at),
            func.max(AuditEvent.at),
            func.max(AuditEvent.account_id),
            flag(("verify_succeeded",)),
            flag(SERVICE_STEPS),
            flag(CONFIRM_STEPS),
            flag(("offer_none",)),
            flag(("conversation_misunderstood",)),
            flag(("conversation_stopped",)),
        )
        .where(AuditEvent.conversation_key.in_(ids), AuditEvent.action.in_(CONVERSATION_ACTIONS))
        .group_by(AuditEvent.conversation_key)
    ).all()
    conversations: Dict[str, Conversation] = {}
    need_offer_none = []
    for (
        cid,
        first,
        last,
        account_id,
        identified,
        chosen,
        confirmed,
        offer_none,
        misunderstood,
        stopped,
    ) in rows:
        conversations[cid] = Conversation(
            cid,
            first,
            last,
            account_id,
            identified=bool(identified),
            service_chosen=bool(chosen),
            confirmed=bool(confirmed),
            misunderstood=bool(misunderstood),
            stopped=bool(stopped),
        )
        if offer_none:
            need_offer_none.append(cid)
    if not conversations:
        return conversations
    ids = list(conversations)
    tiers = dict(
        session.execute(
            select(Account.id, Account.tier).where(
                Account.id.in_({c.account_id for c in conversations.values() if c.account_id})
            )
        ).all()
    )
    for c in conversations.values():
        c.tier = tiers.get(c.account_id)
    if need_offer_none:  # the reason given with an offer request that had no offer
        for cid, details in session.execute(
            select(AuditEvent.conversation_key, AuditEvent.details)
            .where(AuditEvent.action == "offer_none", AuditEvent.conversation_key.in_(need_offer_none))
            .order_by(AuditEvent.id)
        ):
            if details.get("reason") and not conversations[cid].offer_call_reason:
                conversations[cid].offer_call_reason = details["reason"]
    query = (
        select(
            CancellationRequest.conversation_key,
            CancellationRequest.confirmation_number,
            CancellationRequest.service_id,
            CancellationRequest.received_at,
            CancellationRequest.end_kind,
            CancellationRequest.status,
            CancellationRequest.reason,
            CancellationRequest.channel,
        )
        .where(CancellationRequest.conversation_key.in_(ids))
        .order_by(CancellationRequest.received_at, CancellationRequest.id)
    )
    for cid, *values in session.execute(query):
        conversations[cid].cancellations.append(Cancellation(*values))
    _load_offers(session, conversations, ids)
    for h in session.execute(
        select(Handoff).where(Handoff.conversation_key.in_(ids)).order_by(Handoff.created_at, Handoff.id)
    ).scalars():
        conversations[h.conversation_key].handoffs.append(
            HandoffFact(h.id, h.reason, h.channel, h.created_at, h.assigned_at)
        )
    for cid, status in session.execute(
        select(RefundRequest.conversation_key, RefundRequest.status)
        .where(RefundRequest.conversation_key.in_(ids))
        .order_by(RefundRequest.id)
    ):
        conversations[cid].refunds.append(status)
    _load_entries(session, conversations, ids)
    return conversations


def _load_entries(session: Session, conversations: Dict[str, Conversation], ids: List[str]) -> None:
    """From the steps that start a conversation: the sealed conversation id (the first one kept),
    and the channel named when verification started or with a conversation event, which counts
    for conversations that neither filed nor asked for a person (the others take the channel
    recorded with those)."""
    for cid, action, details in session.execute(
        select(AuditEvent.conversation_key, AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.action.in_(ENTRY_ACTIONS), AuditEvent.conversation_key.in_(ids))
        .order_by(AuditEvent.id)
    ):
        c = conversations[cid]
        if details.get("sealed_conversation") and not c.sealed_id:
            c.sealed_id = details["sealed_conversation"]
        if action != "handoff_requested" and details.get("channel") and not c.start_channel:
            c.start_channel = details["channel"]


def _load_offers(session: Session, conversations: Dict[str, Conversation], ids: List[str]) -> None:
    offers: Dict[str, Offer] = {}
    query = (
        select(RetentionOffer, Service.price, Service.billing_period)
        .join(Service, Service.id == RetentionOffer.service_id)
        .where(RetentionOffer.conversation_key.in_(ids))
        .order_by(RetentionOffer.made_at, RetentionOffer.id)
    )
    for o, price, billing in session.execute(query):
        offer = Offer(
            o.id,
            o.service_id,
            o.rule_id,
            o.title,
            o.kind,
            o.reason,
            o.status,
            o.made_at,
            o.decided_at,
            monthly_price(price, billing),
            billing,
        )
        offers[o.id] = offer
        conversations[o.conversation_key].offers.append(offer)
    if not offers:
        return
    # What accepting changed (recorded with the outcome): discount end, new plan price, pause end.
    for details in session.execute(
        select(AuditEvent.details).where(
            AuditEvent.action == "offer_outcome", AuditEvent.conversation_key.in_(ids)
        )
    ).scalars():
        decided = offers.get(details.get("offer_id"))
        if decided is not None and details.get("outcome") == "accepted":
            decided.changes = details.get("changes") or {}
    # Did the customer cancel the service anyway, at or after the offer point (any time until now)?
    later = (
        select(RetentionOffer.id, CancellationRequest.received_at, CancellationRequest.status)
        .join(
            CancellationRequest,
            and_(
                CancellationRequest.service_id == RetentionOffer.service_id,
                CancellationRequest.received_at >= RetentionOffer.made_at,
            ),
        )
        .where(RetentionOffer.id.in_(list(offers)))
        .order_by(CancellationRequest.received_at)
    )
    for offer_id, received_at, status in session.execute(later):
        offer = offers[offer_id]
        if offer.later_cancelled_at is None:
            offer.later_cancelled_at = received_at
        if status != "revoked":
            offer.later_cancellation_stands = True
