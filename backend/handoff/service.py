"""The handoff queue: who is on duty, queueing a chat, taking/assigning/closing it, and the staff
notifications written in the same transaction as what they report.

Blocking functions taking a SQLAlchemy session (run them with Database.run); no HTTP here, so the
rules are testable without Rasa. Every staff action is appended to the audit trail.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from backend import audit, payment_plans, ratelimit
from backend.accounts import account_balance, leased_equipment
from backend.contact import mask
from backend.db import Database
from backend.errors import ApiError, Conflict, InvalidField, NotFound, TooManyRequests
from backend.handoff import words
from backend.handoff.auth import Staff
from backend.handoff.models import (
    OPEN_STATUSES,
    ConsoleSetting,
    Handoff,
    HandoffNote,
    StaffNotification,
    StaffUser,
)
from backend.handoff.words import dollars
from backend.hashing import conversation_key
from backend.models import (
    Account,
    AuditEvent,
    AuthorizedUser,
    CancellationRequest,
    RefundRequest,
    RetentionOffer,
    Service,
    StaffTask,
    VerificationHandle,
    iso_utc,
    utcnow,
)
from backend.policy import Policy
from contract.vocabulary.identifiers import EMAIL, normalize_email
from contract.vocabulary.numbers import format_money

REASON_RE = re.compile(r"^[a-z][a-z0-9_:.\-]{0,59}$")
DUTY_MODES = ("auto", "on", "off")
DUTY_KEY = "duty_override"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


# --------------------------------------------------------------------------- on duty


@dataclass(frozen=True)
class Duty:
    on_duty: bool
    mode: str  # auto | on | off (supervisor override)
    next_opening: Optional[datetime]  # aware, staff time zone; None when on duty or never
    why: str

    def as_dict(self) -> Dict[str, Any]:
        return {
            "on_duty": self.on_duty,
            "mode": self.mode,
            "why": self.why,
            "next_opening": self.next_opening.isoformat() if self.next_opening else None,
            "next_opening_text": opening_text(self.next_opening),
        }


def opening_text(moment: Optional[datetime]) -> Optional[str]:
    """'Monday, November 23 at 09:00 (America/New_York time)'."""
    if moment is None:
        return None
    zone = getattr(moment.tzinfo, "key", None) or moment.tzname()
    return f"{moment.strftime('%A, %B')} {moment.day} at {moment.strftime('%H:%M')} ({zone} time)"


def duty_mode(session: Session) -> str:
    row = session.get(ConsoleSetting, DUTY_KEY)
    return row.value if row is not None and row.value in DUTY_MODES else "auto"


def duty(session: Session, policy: Policy, now: Optional[datetime] = None) -> Duty:
    """Whether a person can answer now: the supervisor's override, else business hours (minus
    closed dates) and, when the policy requires it, at least one available staff user."""
    now = now or datetime.now(timezone.utc)
    hours = policy.business_hours
    mode = duty_mode(session)
    if mode == "on":
        return Duty(True, mode, None, "override")
    if mode == "off":
        return Duty(False, mode, None, "override")
    if not hours.is_open(now):
        return Duty(False, mode, hours.next_opening(now), "outside_business_hours")
    if policy.handoff.require_available_staff:
        available = session.execute(
            select(StaffUser.id).where(StaffUser.active.is_(True), StaffUser.available.is_(True)).limit(1)
        ).first()
        if available is None:
            return Duty(False, mode, None, "no_staff_available")
    return Duty(True, mode, None, "business_hours")


def set_duty_mode(session: Session, staff: Staff, mode: str) -> str:
    if not staff.is_supervisor:
        raise Forbidden("Only a supervisor can change who is on duty.")
    if mode not in DUTY_MODES:
        raise InvalidField("mode", f"must be one of {', '.join(DUTY_MODES)}")
    row = session.get(ConsoleSetting, DUTY_KEY)
    if row is None:
        session.add(ConsoleSetting(key=DUTY_KEY, value=mode, updated_at=utcnow(), updated_by=staff.id))
    else:
        row.value, row.updated_at, row.updated_by = mode, utcnow(), staff.id
    audit.record(session, "staff_duty_override", staff=staff.username, mode=mode)
    return mode


def set_available(session: Session, staff: Staff, available: bool) -> bool:
    user = session.get(StaffUser, staff.id)
    user.available = bool(available)
    audit.record(session, "staff_availability", staff=staff.username, available=user.available)
    return user.available


# --------------------------------------------------------------------------- queue


def notify(session: Session, policy: Optional[Policy], kind: str, body: str) -> None:
    """Queue a staff Slack notification in the current transaction (if the policy wants this kind)."""
    if policy is not None and kind not in policy.handoff.notify:
        return
    session.add(
        StaffNotification(
            kind=kind, body=body, status="pending", attempts=0, next_attempt_at=utcnow(), created_at=utcnow()
        )
    )


def _open_handoff(session: Session, conversation_id: str) -> Optional[Handoff]:
    return (
        session.execute(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
            .order_by(Handoff.id.desc())
        )
        .scalars()
        .first()
    )


def check_anonymous_limits(
    session: Session, conversation_id: str, *, per_conversation: int, window_seconds: int, max_open: int
) -> None:
    """Limits on handoffs requested without a verified account (a chat already queued is never
    limited, nor are verified customers): at most `per_conversation` new handoffs per conversation
    per `window_seconds`, and at most `max_open` anonymous handoffs open at once (queue flooding).
    Raises TooManyRequests (429, retry_after)."""
    if _open_handoff(session, conversation_id) is not None:
        return
    open_anonymous = session.execute(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.status.in_(OPEN_STATUSES), Handoff.account_id.is_(None))
    ).scalar_one()
    if open_anonymous >= max_open:
        raise TooManyRequests(
            "Our team's queue is full right now; please try again in a few minutes, or verify "
            "your account first.",
            retry_after=60,
        )
    wait = ratelimit.take(
        session, "handoff:" + conversation_key(conversation_id), per_conversation, window_seconds
    )
    if wait:
        raise TooManyRequests(
            "You have asked for a person several times already; please wait before asking again.",
            retry_after=wait,
        )


def queue(
    session: Session,
    policy: Policy,
    conversation_id: str,
    channel: str,
    reason: str,
    account_id: Optional[int],
    now: Optional[datetime] = None,
) -> Tuple[Dict[str, Any], bool]:
    """Queue the chat for a person (one open handoff per conversation: a repeat answers the open
    one). Returns (answer, created); the answer says whether staff are on duty and, if not, when
    they are back. A paused conversation is recorded when staff are on duty (the action pauses it)."""
    if not REASON_RE.match(reason):
        raise InvalidField("reason", "must be a short lowercase code such as customer_request")
    status = duty(session, policy, now)
    found = _open_handoff(session, conversation_id)
    created = found is None
    if found is None:
        handoff = Handoff(
            conversation_id=conversation_id,
            conversation_key=conversation_key(conversation_id),
            channel=channel,
            reason=reason,
            status="queued",
            account_id=account_id,
            paused=status.on_duty,
            on_duty=status.on_duty,
            created_at=utcnow(),
        )
        session.add(handoff)
        session.flush()
        audit.record(
            session,
            "handoff_requested",
            account_id,
            conversation_id,
            handoff_id=handoff.id,
            reason=reason,
            channel=channel,
            on_duty=status.on_duty,
            seal_conversation=True,
        )
        account = session.get(Account, account_id) if account_id else None
        who = f"account {account.account_number} (verified)" if account else "customer not verified"
        when = (
            "staff on duty"
            if status.on_duty
            else f"off duty, next opening {opening_text(status.next_opening)}"
        )
        notify(
            session,
            policy,
            "handoff",
            f"Chat waiting for a person (handoff #{handoff.id}): reason {reason}, channel {channel}, "
            f"{who}; {when}. Take it in the staff console.",
        )
    else:
        handoff = found
        if account_id and handoff.account_id is None:
            handoff.account_id = account_id
        if status.on_duty:
            handoff.paused = True
    return {
        "handoff": handoff_dict(session, handoff),
        **status.as_dict(),
        **expected_wait(session, handoff),
    }, created


def leave_reply_email(session: Session, policy: Policy, conversation_id: str, email: str) -> Dict[str, Any]:
    """Keep the customer's email for a reply on their open, not yet taken website-widget handoff.
    The widget's session id (a random id only that browser holds; the same one that lets it write
    in the conversation) is what authorizes it, so only `socketio` handoffs qualify: other
    channels' conversation ids (phone numbers, Slack user ids) can be guessed. Staff see it in the
    console; the audit trail and Slack only the masked address."""
    email = normalize_email(email or "")
    if len(email) > 254 or not EMAIL.fullmatch(email):  # the assistant's rule of an email (contract/)
        raise InvalidField("email", "must be an email address")
    h = _open_handoff(session, conversation_id or "")
    if h is None or h.channel != "socketio" or h.status != "queued":
        raise NotFound("No request for a person waiting in this conversation.", "handoff_not_found")
    h.reply_email = email
    audit.record(
        session,
        "handoff_reply_email",
        h.account_id,
        h.conversation_id,
        handoff_id=h.id,
        masked_address=mask(email),
    )
    notify(
        session,
        policy,
        "handoff",
        f"Handoff #{h.id}: the customer left an email for a reply ({mask(email)}); see the staff console.",
    )
    return {
        "handoff_id": h.id,
        "reply_email": mask(email),
        "next_opening_text": duty(session, policy).as_dict()["next_opening_text"],
    }


DEFAULT_WAIT_MINUTES = 5  # per chat ahead, until the team has a history of taken chats
WAIT_HISTORY_DAYS = 14


def available_staff(session: Session) -> int:
    """Staff users marked available in the console right now."""
    return len(
        session.execute(
            select(StaffUser.id).where(StaffUser.active.is_(True), StaffUser.available.is_(True))
        ).all()
    )


def expected_wait(session: Session, h: Handoff, now: Optional[datetime] = None) -> Dict[str, Any]:
    """Queue position (1 = next) and an honest expected wait: the median time to take a chat over
    the last two weeks (else DEFAULT_WAIT_MINUTES) per chat up to this one, shared by the
    available staff. `someone_available`: at least one staff user is marked available."""
    now = now or utcnow()
    position = (
        len(
            session.execute(
                select(Handoff.id).where(
                    Handoff.status == "queued", Handoff.created_at <= h.created_at, Handoff.id <= h.id
                )
            ).all()
        )
        or 1
    )
    since = now - timedelta(days=WAIT_HISTORY_DAYS)
    taken = session.execute(
        select(Handoff.created_at, Handoff.assigned_at).where(
            Handoff.assigned_at.is_not(None), Handoff.created_at >= since
        )
    ).all()
    waits = sorted((assigned - created).total_seconds() / 60 for created, assigned in taken)
    per_chat = waits[len(waits) // 2] if waits else DEFAULT_WAIT_MINUTES
    available = available_staff(session)
    minutes = max(1, math.ceil(max(per_chat, 1) * position / max(available, 1)))
    return {"position": position, "expected_wait_minutes": minutes, "someone_available": available > 0}


def open_handoff_id(session: Session, conversation_id: str, channel: Optional[str] = None) -> Optional[int]:
    """The id of the conversation's open handoff (of that channel, if given), else None."""
    h = _open_handoff(session, conversation_id)
    return h.id if h is not None and (channel is None or h.channel == channel) else None


def _staff_name(session: Session, staff_id: Optional[int]) -> Optional[str]:
    user = session.get(StaffUser, staff_id) if staff_id else None
    return user.display_name if user else None


def handoff_dict(session: Session, h: Handoff, now: Optional[datetime] = None) -> Dict[str, Any]:
    now = now or utcnow()
    end = h.closed_at or now
    account = session.get(Account, h.account_id) if h.account_id else None
    return {
        "id": h.id,
        "conversation_id": h.conversation_id,
        "channel": h.channel,
        "reason": h.reason,
        "status": h.status,
        "paused": h.paused,
        "on_duty": h.on_duty,
        "account_number": account.account_number if account else None,
        "assigned_to": _staff_name(session, h.assigned_to),
        "assigned_to_me": None,
        "created_at": iso_utc(h.created_at),
        "assigned_at": iso_utc(h.assigned_at),
        "closed_at": iso_utc(h.closed_at),
        "closed_by": _staff_name(session, h.closed_by),
        "outcome": h.outcome,
        "waiting_seconds": max(0, int(((h.assigned_at or end) - h.created_at).total_seconds())),
        "customer_name": account.name if account else None,
        "reason_text": words.words(h.reason, words.HANDOFF_REASONS),
        "channel_text": words.words(h.channel, words.CHANNELS),
        "status_text": words.words(h.status, words.HANDOFF_STATUSES),
        "outcome_text": words.words(h.outcome, words.OUTCOMES) or None,
        "reply_email": h.reply_email,
    }


def _for(staff: Staff, item: Dict[str, Any], h: Handoff) -> Dict[str, Any]:
    item["assigned_to_me"] = h.assigned_to == staff.id
    return item


VIEWS = ("all", "waiting", "mine")


def _filtered(query, staff: Staff, search: str, view: str, channel: str, reason: str = ""):
    """Narrow a handoff query: `view` waiting (queued) / mine (assigned to me) / all; `channel`;
    `reason`; `search` an account number, the customer's name, a confirmation number or a
    conversation id."""
    if reason:
        query = query.where(Handoff.reason == reason)
    if view == "waiting":
        query = query.where(Handoff.status == "queued")
    elif view == "mine":
        query = query.where(Handoff.assigned_to == staff.id)
    if channel:
        query = query.where(Handoff.channel == channel)
    term = search.strip()
    if term:
        like = f"%{term.lower()}%"
        by_request = select(CancellationRequest.conversation_key).where(
            CancellationRequest.confirmation_number == term.upper().replace(" ", "")
        )
        by_account = select(Account.id).where(
            or_(Account.account_number == term, func.lower(Account.name).like(like))
        )
        query = query.where(
            or_(
                Handoff.conversation_id == term,
                Handoff.conversation_key.in_(by_request),
                Handoff.account_id.in_(by_account),
            )
        )
    return query


def list_handoffs(
    session: Session,
    staff: Staff,
    include_closed: bool = False,
    *,
    search: str = "",
    view: str = "all",
    channel: str = "",
    reason: str = "",
) -> List[Dict[str, Any]]:
    """Open handoffs, oldest first; with `include_closed` also the last 200 closed ones (newest
    first), the history every staff user may read. Search and filters: `_filtered`."""
    if view not in VIEWS:
        raise InvalidField("view", f"must be one of {', '.join(VIEWS)}")
    query = select(Handoff).where(Handoff.status.in_(OPEN_STATUSES)).order_by(Handoff.created_at, Handoff.id)
    rows = list(session.execute(_filtered(query, staff, search, view, channel, reason)).scalars())
    if include_closed and view != "waiting":
        closed = (
            select(Handoff)
            .where(Handoff.status == "closed")
            .order_by(Handoff.closed_at.desc(), Handoff.id.desc())
            .limit(200)
        )
        rows += list(session.execute(_filtered(closed, staff, search, view, channel, reason)).scalars())
    now = utcnow()
    return [_for(staff, handoff_dict(session, h, now), h) for h in rows]


def get(session: Session, staff: Staff, handoff_id: int, lock: bool = False) -> Handoff:
    """A handoff by id (open or closed: closed chats are the history staff read)."""
    query = select(Handoff).where(Handoff.id == handoff_id)
    if lock:
        query = query.with_for_update()
    h = session.execute(query).scalar_one_or_none()
    if h is None:
        raise NotFound("No such handoff.", "handoff_not_found")
    return h


def detail(session: Session, staff: Staff, handoff_id: int, audit_view: bool = True) -> Dict[str, Any]:
    """The handoff, the customer's account (when verified: the cancellation's state, see
    `account_summary`) and what the backend did in this conversation (`activity`, for the
    transcript). Opening the chat page is audited (`audit_view`); the page's refreshes are not."""
    h = get(session, staff, handoff_id)
    out = _for(staff, handoff_dict(session, h), h)
    out["account"] = account_summary(session, h.account_id, h.conversation_id) if h.account_id else None
    out["activity"] = conversation_activity(session, h.conversation_id)
    out["notes"] = notes(session, h.id)
    if audit_view:
        audit.record(
            session, "handoff_viewed", h.account_id, h.conversation_id, handoff_id=h.id, staff=staff.username
        )
    return out


def _primary_contact(session: Session, account_id: int, conversation_id: Optional[str]) -> Optional[str]:
    """The masked email (else phone) of the user verified in this chat, else of the primary user."""
    user = None
    if conversation_id:
        handle = (
            session.execute(
                select(VerificationHandle)
                .where(
                    VerificationHandle.conversation_key == conversation_key(conversation_id),
                    VerificationHandle.account_id == account_id,
                )
                .order_by(VerificationHandle.created_at.desc())
            )
            .scalars()
            .first()
        )
        user = session.get(AuthorizedUser, handle.user_id) if handle else None
    if user is None:
        user = (
            session.execute(
                select(AuthorizedUser)
                .where(AuthorizedUser.account_id == account_id)
                .order_by(AuthorizedUser.is_primary.desc(), AuthorizedUser.id)
            )
            .scalars()
            .first()
        )
    if user is None:
        return None
    contacts = [mask(c) for c in (user.email, user.phone) if c]
    return f"{user.first_name} {user.last_name}".strip() + (" · " + " · ".join(contacts) if contacts else "")


def account_summary(
    session: Session, account_id: int, conversation_id: Optional[str] = None
) -> Dict[str, Any]:
    """The cancellation's state at a glance: account, services and their status, open requests with
    confirmation numbers, the reason and the offer made in this chat (and its outcome), balance,
    equipment to return, and the customer's masked contact. Codes come with their words."""
    account = session.get(Account, account_id)
    services = list(
        session.execute(
            select(Service).where(Service.account_id == account_id).order_by(Service.id)
        ).scalars()
    )
    names = {s.id: s.name for s in services}
    requests = session.execute(
        select(CancellationRequest)
        .where(CancellationRequest.account_id == account_id, CancellationRequest.status == "received")
        .order_by(CancellationRequest.received_at.desc())
    ).scalars()
    offers = list(
        session.execute(
            select(RetentionOffer)
            .where(
                RetentionOffer.account_id == account_id,
                RetentionOffer.conversation_key == conversation_key(conversation_id or ""),
            )
            .order_by(RetentionOffer.made_at.desc())
        ).scalars()
    )
    open_requests = [
        {
            "confirmation_number": r.confirmation_number,
            "service_id": r.service_id,
            "service_name": names.get(r.service_id),
            "received_at": iso_utc(r.received_at),
            "end_date": r.end_date.isoformat(),
            "end_date_text": words.day(r.end_date),
            "when": r.end_kind,
            "when_text": words.words(r.end_kind, words.END_KINDS),
            "reason": r.reason,
            "reason_text": words.words(r.reason, words.CANCEL_REASONS),
            "channel": r.channel,
        }
        for r in requests
    ]
    reason = next((o.reason for o in offers if o.reason), None) or next(
        (r["reason"] for r in open_requests if r["reason"]), None
    )
    balance = account_balance(session, account_id)
    return {
        "account_number": account.account_number,
        "name": account.name,
        "tier": account.tier,
        "sales_rep": account.sales_rep,
        "balance": str(balance),
        "balance_text": dollars(balance),
        "contact": _primary_contact(session, account_id, conversation_id),
        "reason_text": words.words(reason, words.CANCEL_REASONS) or None,
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "plan": s.plan,
                "status": s.status,
                "status_text": words.words(s.status, words.SERVICE_STATUSES),
            }
            for s in services
        ],
        "open_cancellations": open_requests,
        "payment_plans": payment_plans.open_plans(session, account_id),
        "offers": [
            {"title": o.title, "status": o.status, "status_text": words.words(o.status, words.OFFER_STATUSES)}
            for o in offers
        ],
        "equipment": [
            {
                "model": e.model,
                "serial_last4": e.serial[-4:],
                "service_name": names.get(e.service_id),
                "returned": bool(e.tracking_number),
                "tracking_number": e.tracking_number,
            }
            for e in leased_equipment(session, account_id)
        ],
    }


def conversation_activity(session: Session, conversation_id: str) -> List[Tuple[datetime, str]]:
    """What the backend recorded for this conversation, as (time, short text) for the transcript:
    cancellations filed and revoked, offers made and answered, refunds requested."""
    out: List[Tuple[datetime, str]] = []
    key = conversation_key(conversation_id)
    for r in session.execute(
        select(CancellationRequest).where(CancellationRequest.conversation_key == key)
    ).scalars():
        out.append(
            (r.received_at, f"cancellation filed: {r.confirmation_number}, ends {words.day(r.end_date)}")
        )
        if r.revoked_at:
            out.append((r.revoked_at, f"cancellation revoked: {r.confirmation_number}"))
    for o in session.execute(select(RetentionOffer).where(RetentionOffer.conversation_key == key)).scalars():
        out.append((o.made_at, f"offer made: {o.title}"))
        if o.decided_at and o.status in ("accepted", "declined"):
            out.append((o.decided_at, f"offer {o.status}"))
    for f in session.execute(select(RefundRequest).where(RefundRequest.conversation_key == key)).scalars():
        out.append(
            (
                f.created_at,
                f"refund requested: {dollars(f.amount)} "
                f"({words.words(f.status, words.REFUND_STATUSES).lower()})",
            )
        )
    for a in session.execute(
        select(AuditEvent).where(
            AuditEvent.conversation_key == key, AuditEvent.action == "payment_plan_noted"
        )
    ).scalars():
        out.append((a.at, f"payment plan noted: {payment_plans.describe(a.details)}"))
    return sorted(out, key=lambda item: item[0])


def take(session: Session, staff: Staff, handoff_id: int) -> Dict[str, Any]:
    """Assign a queued handoff to oneself (again: a no-op). Someone else's: 409 (a supervisor
    reassigns with `assign`)."""
    h = get(session, staff, handoff_id, lock=True)
    if h.status == "closed":
        raise Conflict("This handoff is closed.", "handoff_closed")
    if h.status == "assigned" and h.assigned_to != staff.id:
        raise Conflict(
            f"{_staff_name(session, h.assigned_to)} is already handling this chat.", "already_assigned"
        )
    if h.assigned_to != staff.id:
        h.status, h.assigned_to, h.assigned_at = "assigned", staff.id, utcnow()
        audit.record(
            session, "handoff_taken", h.account_id, h.conversation_id, handoff_id=h.id, staff=staff.username
        )
    return _for(staff, handoff_dict(session, h), h)


def assign(session: Session, staff: Staff, handoff_id: int, username: str) -> Dict[str, Any]:
    """Supervisor: give an open handoff to a staff user."""
    if not staff.is_supervisor:
        raise Forbidden("Only a supervisor can reassign a chat.")
    h = get(session, staff, handoff_id, lock=True)
    if h.status == "closed":
        raise Conflict("This handoff is closed.", "handoff_closed")
    target = session.execute(
        select(StaffUser).where(
            StaffUser.username == (username or "").strip().lower(), StaffUser.active.is_(True)
        )
    ).scalar_one_or_none()
    if target is None:
        raise InvalidField("staff", "no such active staff user")
    previous = _staff_name(session, h.assigned_to)
    h.status, h.assigned_to, h.assigned_at = "assigned", target.id, h.assigned_at or utcnow()
    audit.record(
        session,
        "handoff_assigned",
        h.account_id,
        h.conversation_id,
        handoff_id=h.id,
        staff=staff.username,
        assigned_to=target.username,
        previously=previous,
    )
    return _for(staff, handoff_dict(session, h), h)


def check_can_answer(session: Session, staff: Staff, handoff_id: int) -> Handoff:
    """An open handoff this staff user may write in: their own, or any for a supervisor."""
    h = get(session, staff, handoff_id)
    if h.status == "closed":
        raise Conflict("This handoff is closed.", "handoff_closed")
    if h.assigned_to != staff.id and not staff.is_supervisor:
        raise Forbidden("Take this chat first; it is not assigned to you.")
    return h


def mark_paused(session: Session, staff: Staff, handoff_id: int, paused: bool) -> None:
    h = session.get(Handoff, handoff_id)
    h.paused = paused
    audit.record(
        session,
        "handoff_paused" if paused else "handoff_resumed",
        h.account_id,
        h.conversation_id,
        handoff_id=h.id,
        staff=staff.username,
    )


def record_reply(session: Session, staff: Staff, handoff_id: int, length: int) -> None:
    h = session.get(Handoff, handoff_id)
    audit.record(
        session,
        "handoff_reply",
        h.account_id,
        h.conversation_id,
        handoff_id=h.id,
        staff=staff.username,
        characters=length,
    )


def close(session: Session, staff: Staff, handoff_id: int, outcome: str) -> Dict[str, Any]:
    """Close an open handoff: `handed_back` (the assigned agent or a supervisor) or `closed`
    (supervisors only, e.g. a customer who left)."""
    h = check_can_answer(session, staff, handoff_id)
    if outcome == "closed" and not staff.is_supervisor:
        raise Forbidden("Only a supervisor can close a chat; hand it back to the assistant instead.")
    h.status, h.closed_at, h.closed_by, h.outcome, h.paused = "closed", utcnow(), staff.id, outcome, False
    audit.record(
        session, f"handoff_{outcome}", h.account_id, h.conversation_id, handoff_id=h.id, staff=staff.username
    )
    return _for(staff, handoff_dict(session, h), h)


def _customer_in_chat(session: Session, staff: Staff, handoff_id: int) -> Tuple[Handoff, Any]:
    """The chat (taken, and one this staff user may write in) and the customer who verified in it, as
    the assistant's `Verified`: what an agent's action on the customer's behalf runs as."""
    from backend.identity import Verified

    h = check_can_answer(session, staff, handoff_id)
    if h.status != "assigned":
        raise Conflict("Take this chat first: it is still waiting in the queue.", "not_taken")
    handle = (
        session.execute(
            select(VerificationHandle)
            .where(
                VerificationHandle.conversation_key == conversation_key(h.conversation_id),
                VerificationHandle.account_id == h.account_id,
            )
            .order_by(VerificationHandle.created_at.desc())
        )
        .scalars()
        .first()
        if h.account_id
        else None
    )
    if handle is None:
        raise Conflict("The customer has not verified their account in this chat.", "not_verified")
    return h, Verified(account_id=h.account_id, user_id=handle.user_id, conversation_id=h.conversation_id)


def revoke_for_customer(
    session: Session, policy: Policy, staff: Staff, handoff_id: int, confirmation_number: str
) -> Dict[str, Any]:
    """An agent revokes a cancellation request for the customer they are answering: only in a chat
    they hold (or any, for a supervisor) whose customer verified in it, for that customer's own
    request; the same rule as the assistant's (backend.cancellations.revoke: before the end date,
    once), acting as the user who verified."""
    from backend import cancellations

    h, who = _customer_in_chat(session, staff, handoff_id)
    answer = cancellations.revoke(session, policy, who, confirmation_number)
    audit.record(
        session,
        "handoff_revoke",
        h.account_id,
        h.conversation_id,
        handoff_id=h.id,
        staff=staff.username,
        confirmation_number=answer["confirmation_number"],
    )
    return answer


def payment_plan_for_customer(
    session: Session, policy: Policy, staff: Staff, handoff_id: int, months: int
) -> Dict[str, Any]:
    """An agent notes a payment plan for the customer they are answering (same conditions as
    revoking): backend.payment_plans.note, a task for billing; audited as `handoff_payment_plan`."""
    h, who = _customer_in_chat(session, staff, handoff_id)
    plan = payment_plans.note(session, policy, who, months, staff.username)
    audit.record(
        session,
        "handoff_payment_plan",
        h.account_id,
        h.conversation_id,
        handoff_id=h.id,
        staff=staff.username,
        months=plan["months"],
    )
    return plan


MAX_NOTE = 2000


def notes(session: Session, handoff_id: int) -> List[Dict[str, Any]]:
    """A chat's internal notes, oldest first."""
    rows = session.execute(
        select(HandoffNote).where(HandoffNote.handoff_id == handoff_id).order_by(HandoffNote.id)
    ).scalars()
    return [
        {"by": _staff_name(session, n.staff_id), "text": n.body, "at": iso_utc(n.created_at)} for n in rows
    ]


def add_note(session: Session, staff: Staff, handoff_id: int, text: str) -> List[Dict[str, Any]]:
    """Any staff user may note something on any chat (open or closed); the customer never sees it.
    Audited with its length only."""
    h = get(session, staff, handoff_id)
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidField("text", f"must be 1 to {MAX_NOTE} characters")
    session.add(HandoffNote(handoff_id=h.id, staff_id=staff.id, body=text, created_at=utcnow()))
    session.flush()
    audit.record(
        session,
        "handoff_note",
        h.account_id,
        h.conversation_id,
        handoff_id=h.id,
        staff=staff.username,
        characters=len(text),
    )
    return notes(session, h.id)


def staff_list(session: Session) -> List[Dict[str, Any]]:
    """Active staff with their availability and load (open chats assigned to them)."""
    users = session.execute(
        select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.username)
    ).scalars()
    load = dict(
        session.execute(
            select(Handoff.assigned_to, func.count())
            .where(Handoff.status == "assigned")
            .group_by(Handoff.assigned_to)
        ).all()
    )
    return [
        {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "available": u.available,
            "open_chats": int(load.get(u.id, 0)),
        }
        for u in users
    ]


# --------------------------------------------------------------------------- SOP hooks


def _task_rule(task: StaffTask) -> Optional[str]:
    if task.kind == "sales_callback":
        return "sales_callback"
    if task.kind == "billing_review" and task.notify_slack:
        return "refund_over_threshold"
    return None


def _on_new_task(session: Session, policy: Policy, task: StaffTask) -> None:
    """What backend/cancellations.py already decided (a sales-callback task, a billing review flagged
    for Slack) becomes a staff notification and, when the policy lists the rule, a queued handoff."""
    rule = _task_rule(task)
    if rule is None:
        return
    account = session.get(Account, task.account_id)
    details = task.details or {}
    conversation_id, channel = getattr(task, "origin_conversation_id", None), "unknown"
    if rule == "sales_callback":
        text = (
            f"Sales callback for {task.owner}: account {account.account_number} ({account.tier}) filed "
            f"cancellation {details.get('confirmation_number')} ending {details.get('end_date')}; "
            f"{details.get('why')}. The request stands; call to try to save the account."
        )
        request = session.get(CancellationRequest, task.cancellation_id) if task.cancellation_id else None
        if request is not None:
            channel = request.channel
    else:
        text = (
            f"Refund over the threshold for {task.owner}: {format_money(details.get('amount'))} requested on account "
            f"{account.account_number}; it is waiting for your review in the billing queue."
        )
    notify(session, policy, rule, text)
    if (
        rule in policy.handoff.policy_triggers
        and conversation_id
        and _open_handoff(session, conversation_id) is None
    ):
        handoff = Handoff(
            conversation_id=conversation_id,
            conversation_key=conversation_key(conversation_id),
            channel=channel,
            reason=f"policy:{rule}",
            status="queued",
            account_id=task.account_id,
            paused=False,
            on_duty=duty(session, policy).on_duty,
            created_at=utcnow(),
        )
        session.add(handoff)
        audit.record(
            session,
            "handoff_requested",
            task.account_id,
            conversation_id,
            reason=f"policy:{rule}",
            channel=channel,
        )
        notify(
            session,
            policy,
            "handoff",
            f"Chat queued by policy rule {rule} for account "
            f"{account.account_number}. Take it in the staff console.",
        )


def install_hooks(db: Database, policy: Policy) -> None:
    """Watch the staff tasks the cancellation/refund code writes, in the same flush (so in the
    same transaction): never a second copy of the SOP rules. Once per Database."""
    db.handoff_policy = policy  # type: ignore[attr-defined]
    if getattr(db, "handoff_hooked", False):
        return

    def before_flush(session: Session, _context, _instances) -> None:
        tasks = [obj for obj in session.new if isinstance(obj, StaffTask)]
        if not tasks:
            return
        with session.no_autoflush:
            for task in tasks:
                _on_new_task(session, db.handoff_policy, task)  # type: ignore[attr-defined]

    event.listen(db.sessions, "before_flush", before_flush)
    db.handoff_hooked = True  # type: ignore[attr-defined]
