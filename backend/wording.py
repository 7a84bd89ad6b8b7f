"""What the backend says to customers, in one place: quote explanations and warnings, final-bill
items, the terms of a cancellation, next steps, the filing receipt and the revoke notice, the
reasons a cancellation request is refused, SOP replies and refund messages.

The rules that decide *which* of these applies (dates, counts, thresholds) stay in
`backend/policy.py`; these functions only put the decided facts into words. Money goes through
`contract.vocabulary.numbers.format_money`, dates through `contract.vocabulary.dates.human_date`
(given the backend's ``today``, which decides whether a year is written; the text rules of tests/text_rules.py are checked on every one in tests/vocabulary/test_texts.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import List, Optional

from contract.vocabulary.dates import human_date, long_date
from contract.vocabulary.numbers import format_money

# --------------------------------------------------------------------------- quotes


def immediate_explanation(service: str, end: date, today: date) -> str:
    """The immediate end option."""
    return (
        f"{service} ends today ({human_date(end, today)}). Immediate cancellations are processed "
        "right away and no refund is issued for the rest of the current billing period."
    )


def end_of_period_explanation(service: str, end: date, today: date) -> str:
    """The end-of-period option: the service runs to its billing anniversary."""
    return (
        f"{service} stays active until its billing anniversary on {human_date(end, today)} and "
        "ends then. Nothing more is charged for it."
    )


def charge_item(service: str, period_word: str, starting: date, today: date) -> str:
    """Description of one more period charged on the final bill (a chosen date after renewal)."""
    return f"{service}: {period_word} charge for the period starting {human_date(starting, today)}"


def chosen_date_explanation(
    service: str, end: date, anniversary: date, charges: int, period_word: str, price: Decimal, today: date
) -> str:
    """A chosen end date: `charges` more periods are billed when it is after the anniversary."""
    if charges:
        return (
            f"{service} stays active until {human_date(end, today)}. That is after the billing "
            f"anniversary on {human_date(anniversary, today)}, so {charges} more {period_word} "
            f"charge{'' if charges == 1 else 's'} of {format_money(price)} will be "
            "billed; no refund for unused days."
        )
    return (
        f"{service} stays active until {human_date(end, today)}. The current period is "
        "already paid; no refund is issued for the days after the end date."
    )


def renewal_warning(anniversary: date, today: date) -> str:
    """The renewal is close enough that its invoice may still be issued."""
    return (
        f"The renewal on {human_date(anniversary, today)} is close: a renewal invoice may still be "
        "issued; if so it will be credited."
    )


# --------------------------------------------------------------------------- before filing


def terms(backup_confirmed: bool, has_equipment: bool) -> str:
    """The terms the customer accepts with the final "yes" (the summary's last facts)."""
    return (
        "Terms: data on this service can't be retrieved after cancellation"
        + (
            " (you confirmed your backup)"
            if backup_confirmed
            else ", so by confirming you confirm it's backed up"
        )
        + "; the service ends on the date above; any balance is due at cancellation"
        + ("; leased equipment must be returned by the deadline or the fee applies" if has_equipment else "")
        + "."
    )


# --------------------------------------------------------------------------- after filing


def next_steps(
    *,
    immediate: bool,
    end_date: date,
    has_charges: bool,
    balance: Decimal,
    how_to_pay: str,
    return_deadline: Optional[date],
    sales_callback: bool,
    survey_url: str,
    today: date,
) -> List[str]:
    """What happens after filing, in the customer's words."""
    if immediate:
        steps = [f"Your service ended today, {human_date(end_date, today)}."]
    else:
        steps = [f"Your service stays active until {human_date(end_date, today)} and ends then."]
    if has_charges:
        steps.append("The remaining charges listed will appear on your final bill.")
    if balance > 0:
        steps.append(f"A balance of {format_money(balance)} is due at cancellation. {how_to_pay}")
    if return_deadline is not None:
        steps.append(
            "Send the leased equipment back by "
            f"{human_date(return_deadline, today)} with the prepaid label we email you, "
            "and tell us the tracking number; devices not returned are charged the non-return fee."
        )
    steps.append("You can revoke this request any time before the end date.")
    if sales_callback:
        steps.append("A member of our team may call you; your cancellation stands either way.")
    steps.append(f"Tell us how we could have done better: {survey_url}")
    return steps


def receipt(
    *,
    service: str,
    received_on: date,
    confirmation_number: str,
    end_date: date,
    balance: str,
    return_deadline: Optional[str],
    next_steps: List[str],
) -> str:
    """The filing receipt sent to the customer's registered email or phone (`balance`: the
    amount as the API writes it; `return_deadline`: ISO date, or None without equipment)."""
    lines = [
        f"We received your request to cancel {service} on {long_date(received_on)}.",
        f"Confirmation number: {confirmation_number}",
        f"End date: {long_date(end_date)}",
        f"Balance due at cancellation: {format_money(balance)}",
    ]
    if return_deadline:
        lines.append(f"Return leased equipment by {long_date(return_deadline)}.")
    return "\n".join(lines + next_steps)


def revoked_notice(confirmation_number: str, service: str) -> str:
    """Sent to the customer's registered email or phone when a request is revoked."""
    return f"Your cancellation request {confirmation_number} was revoked; {service} stays active."


# --------------------------------------------------------------------------- refusals (409, 404)
# The reasons the backend gives when a cancellation request cannot be filed, revoked or updated;
# the action server shows them to the customer.

ALREADY_REQUESTED = "This service already has a cancellation request."
NO_SUCH_REQUEST = "No cancellation request with this confirmation number on this account."
ALREADY_REVOKED = "This request was already revoked."
END_DATE_PASSED = "The end date has been reached; this request can no longer be revoked."
REVOKED_NO_EQUIPMENT = "This request was revoked; there is no equipment to return."
NO_EQUIPMENT = "This service has no leased equipment to return."
NO_SUCH_DEVICE = "No such device on this request."


def balance_blocks_filing(balance: Decimal, currency: str, how_to_pay: str) -> str:
    """A balance must be paid before the request can be filed (policy `balance_blocks_filing`)."""
    return f"A balance of {format_money(balance, currency)} must be paid before cancelling. {how_to_pay}"


# --------------------------------------------------------------------------- SOP replies


def sympathetic_reply(survey_url: str) -> str:
    """SOP reply when no sales callback follows (seed 002)."""
    return (
        "We're sorry to see you go, and our door stays open if you ever want to come "
        f"back. Would you tell us what we could have done better? {survey_url}"
    )


def callback_reply(survey_url: str) -> str:
    """SOP reply when a member of staff may call the customer (seed 002)."""
    return (
        "We're sorry to see you go. Your request is filed; a member of our team may "
        f"call you about your account. Tell us what we could have done better: {survey_url}"
    )


# --------------------------------------------------------------------------- refunds


def credit_message(amount: Decimal) -> str:
    """A refund up to the threshold: credited."""
    return (
        f"We're sorry for the trouble. A credit of {format_money(amount)} will be processed for your account."
    )


REVIEW_MESSAGE = (
    "We're sorry for the trouble. Your refund request is being reviewed by our "
    "billing team, who will get back to you."
)


# -- the terms of a retention offer (backend/offers.py offer_terms) ----------------------------

_ANYTIME = " You could still cancel at any time."


def offer_discount_terms(price: Decimal, reduced: Decimal, period: str, months: int) -> str:
    months_text = "month" if months == 1 else f"{months} months"
    return (
        f"With the offer you'd pay {format_money(reduced)} instead of {format_money(price)} a {period} for the "
        f"next {months_text}, then {format_money(price)} again." + _ANYTIME
    )


def offer_plan_terms(price: Decimal, reduced: Decimal, period: str, plan: str) -> str:
    return (
        f"On the {plan} plan you'd pay {format_money(reduced)} a {period} instead of {format_money(price)}."
        + _ANYTIME
    )


def offer_pause_terms(price: Decimal, period: str, months: int) -> str:
    months_text = "a month" if months == 1 else f"{months} months"
    return (
        f"Nothing is charged while the service is paused, for up to {months_text}; after that it goes on at "
        f"{format_money(price)} a {period}." + _ANYTIME
    )
