"""Business policy: the YAML file, its validation, and the pure rules built on it.

Everything here is free of database and HTTP so that the SOP (seed 002) can be tested directly:
`Policy.choose_offer`, `Policy.sop_routing`, `Policy.refund_routing`, `Policy.quote`.
"""

from __future__ import annotations

import calendar
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml
from pydantic import BaseModel, ValidationError, root_validator, validator
from pydantic.fields import ModelField

from backend import wording
from contract.settings import DEFAULT_COMPANY_TIMEZONE
from contract.vocabulary.dates import today_in
from contract.vocabulary.numbers import wire_money
from contract.vocabulary.reasons import REASONS

OFFER_KINDS = ("discount", "downgrade", "pause", "plan_switch")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CENT = Decimal("0.01")


class PolicyError(Exception):
    """The policy file is invalid; the message starts with the offending field."""


money = wire_money  # an amount as the API writes it: a decimal string with two places


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class OfferRule:
    id: str
    kind: str
    title: str
    description: str
    reasons: Tuple[str, ...]
    tiers: Optional[Tuple[str, ...]]
    apply: Dict[str, Any]


@dataclass(frozen=True)
class BusinessHours:
    timezone: str
    days: Tuple[str, ...]
    start: time
    end: time
    closed_dates: Tuple[date, ...] = ()  # public holidays etc., in the staff time zone

    def _works_on(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.days and day not in self.closed_dates

    def is_open(self, at: datetime) -> bool:
        """True when `at` (aware, any zone) falls within staff hours."""
        local = at.astimezone(zoneinfo.ZoneInfo(self.timezone))
        return self._works_on(local.date()) and self.start <= local.time() < self.end

    def next_opening(self, at: datetime) -> Optional[datetime]:
        """The first moment at or after `at` (aware) when staff hours are open, in the staff time
        zone; `at` itself when open now; None when no working day follows within a year."""
        zone = zoneinfo.ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        if self.is_open(at):
            return local
        for offset in range(0, 370):
            day = local.date() + timedelta(days=offset)
            if not self._works_on(day):
                continue
            opening = datetime.combine(day, self.start, tzinfo=zone)
            if opening >= local:
                return opening
        return None


HANDOFF_RULES = ("refund_over_threshold", "sales_callback")
HANDOFF_NOTICES = ("handoff", "refund_over_threshold", "sales_callback")


@dataclass(frozen=True)
class HandoffPolicy:
    """Human handoff (docs/handoff.md): when staff count as on duty, which SOP rules also queue the
    chat for a person, and which events are posted to the staff Slack channel."""

    require_available_staff: bool = False
    policy_triggers: Tuple[str, ...] = ("refund_over_threshold",)
    notify: Tuple[str, ...] = HANDOFF_NOTICES


@dataclass(frozen=True)
class Routing:
    """Outcome of the cancellation SOP for one account."""

    action: str  # "sympathetic" | "sales_callback"
    reply: str
    survey_url: str
    task_owner: Optional[str] = None
    task_reason: Optional[str] = None


@dataclass(frozen=True)
class RefundRouting:
    status: str  # "credit_processing" | "under_review"
    owner: str
    notify_billing: bool
    message: str


@dataclass(frozen=True)
class ServiceTerms:
    """What a quote needs to know about a service."""

    name: str
    price: Decimal
    billing_period: str  # "monthly" | "annual"
    next_anniversary: date


@dataclass(frozen=True)
class EquipmentItem:
    kind: str
    retail_price: Decimal


@dataclass(frozen=True)
class Quote:
    when: str
    end_date: date
    refund: Decimal
    final_bill_items: List[Dict[str, str]]
    renewal_warning: Optional[str]
    equipment_return_deadline: Optional[date]
    explanation: str

    def as_dict(self) -> Dict[str, Any]:
        return {
            "when": self.when,
            "end_date": self.end_date.isoformat(),
            "refund": money(self.refund),
            "final_bill_items": self.final_bill_items,
            "renewal_warning": self.renewal_warning,
            "equipment_return_deadline": (
                self.equipment_return_deadline.isoformat() if self.equipment_return_deadline else None
            ),
            "explanation": self.explanation,
        }


class QuoteError(ValueError):
    """An end option cannot be quoted (e.g. a date in the past); `field` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_months(billing_period: str) -> int:
    return 12 if billing_period == "annual" else 1


def current_anniversary(terms: ServiceTerms, today: date) -> date:
    """The stored next anniversary, rolled forward by whole periods until it is not in the past."""
    anniversary, step = terms.next_anniversary, period_months(terms.billing_period)
    n = 0
    while add_months(terms.next_anniversary, n * step) < today:
        n += 1
    return add_months(anniversary, n * step)


# --------------------------------------------------------------------------- policy


def business_today(policy: "Policy") -> date:
    """The business day of every rule (end dates, end of period, return deadlines, revocation,
    offers, due dates): today's date in the company's time zone, the one the action server reads
    customers' dates in (contract.vocabulary.dates.today_in). Stored moments stay in UTC."""
    return today_in(policy.company_timezone)


@dataclass(frozen=True)
class ReturnsPolicy:
    """Where leased equipment goes back (docs/delivery.md): the prepaid label's addresses and carrier,
    and the written directions a customer gets when no label can be produced (no `ship_to`)."""

    ship_to: Tuple[str, ...] = ()
    carrier: str = ""
    directions: str = (
        "Pack each device with its RMA number written on the box and send it to us; "
        "call us if you need the return address."
    )

    @property
    def label_possible(self) -> bool:
        return bool(self.ship_to and self.carrier)


@dataclass(frozen=True)
class Policy:
    currency: str
    tiers: Tuple[str, ...]
    receivables_threshold: Decimal
    always_callback_from_tier: str
    receivables_check_from_tier: str
    fallback_owner: str
    billing_owner: str
    refund_threshold: Decimal
    balance_blocks_filing: bool
    how_to_pay: str
    renewal_warning_days: int
    max_future_days: int
    return_window_days: int
    default_non_return_fee: Decimal
    non_return_fees: Dict[str, Decimal]
    default_survey_url: str
    survey_urls: Dict[str, str]
    offers: Tuple[OfferRule, ...]
    business_hours: BusinessHours
    offers_by_id: Dict[str, OfferRule] = field(default_factory=dict, compare=False)
    handoff: HandoffPolicy = field(default_factory=HandoffPolicy)
    offer_holdout_share: float = 0.0  # share of offer-eligible customers who get no offer (docs/reports.md)
    returns: ReturnsPolicy = field(default_factory=ReturnsPolicy)
    payment_plan_max_months: int = 12  # longest payment plan staff may note (backend/payment_plans.py)
    # The company's time zone (the COMPANY_TIMEZONE setting): its date is the business day of every
    # rule (`business_today`). Staff hours are `business_hours.timezone`, which may name another.
    company_timezone: str = DEFAULT_COMPANY_TIMEZONE

    # ---- rules

    def in_offer_holdout(self, draw: float) -> bool:
        """Whether an offer-eligible customer with the random `draw` in [0, 1) is held out."""
        return draw < self.offer_holdout_share

    def tier_rank(self, tier: str) -> int:
        """Position of `tier`, lowest = 0; unknown tiers rank as the lowest tier."""
        return self.tiers.index(tier) if tier in self.tiers else 0

    def survey_url(self, server: Optional[str]) -> str:
        """Exit-survey link for the account's server/product."""
        return self.survey_urls.get(server or "", self.default_survey_url)

    def choose_offer(self, reason: Optional[str], tier: str) -> Optional[OfferRule]:
        """The one retention offer for this reason and tier, or None."""
        if not reason:
            return None
        for rule in self.offers:
            if reason in rule.reasons and (rule.tiers is None or tier in rule.tiers):
                return rule
        return None

    def sop_routing(
        self,
        tier: str,
        receivables: Decimal,
        rep_active: bool,
        sales_rep: Optional[str] = None,
        server: Optional[str] = None,
    ) -> Routing:
        """Seed 002: a sympathetic reply with the survey link, or a sales-callback task.

        The callback goes to the account's original sales rep, or to the fallback owner when that
        rep has left (or is unknown). It never blocks the cancellation itself.
        """
        survey = self.survey_url(server)
        rank = self.tier_rank(tier)
        reason = None
        if rank >= self.tier_rank(self.always_callback_from_tier):
            reason = f"tier {tier} always gets a sales callback"
        elif rank >= self.tier_rank(self.receivables_check_from_tier) and (
            Decimal(receivables) > self.receivables_threshold
        ):
            reason = f"receivables {money(receivables)} above {money(self.receivables_threshold)}"
        if reason is None:
            return Routing(action="sympathetic", reply=wording.sympathetic_reply(survey), survey_url=survey)
        owner = sales_rep if (rep_active and sales_rep) else self.fallback_owner
        return Routing(
            action="sales_callback",
            reply=wording.callback_reply(survey),
            survey_url=survey,
            task_owner=owner,
            task_reason=reason,
        )

    def refund_routing(self, amount: Decimal) -> RefundRouting:
        """Seed 002: a credit up to the threshold, a billing review (and Slack heads-up) above."""
        amount = Decimal(amount)
        if amount <= self.refund_threshold:
            return RefundRouting(
                status="credit_processing",
                owner=self.billing_owner,
                notify_billing=False,
                message=wording.credit_message(amount),
            )
        return RefundRouting(
            status="under_review",
            owner=self.billing_owner,
            notify_billing=True,
            message=wording.REVIEW_MESSAGE,
        )

    def non_return_fee(self, kind: str) -> Decimal:
        """Fee charged for one device of `kind` that is not sent back."""
        return self.non_return_fees.get(kind, self.default_non_return_fee)

    def latest_end_date(self, today: date) -> date:
        """The latest end date a customer may choose on ``today``."""
        return today + timedelta(days=self.max_future_days)

    def quote(
        self,
        terms: ServiceTerms,
        when: str,
        today: date,
        end_date: Optional[date] = None,
        has_equipment: bool = False,
    ) -> Quote:
        """Price one end option: end date, refund (none), final-bill items, warnings, deadlines."""
        anniversary = current_anniversary(terms, today)
        step = period_months(terms.billing_period)
        period_word = "annual" if step == 12 else "monthly"
        items: List[Dict[str, str]] = []
        if when == "immediate":
            end = today
            explanation = wording.immediate_explanation(terms.name, end, today)
        elif when == "end_of_period":
            end = anniversary
            explanation = wording.end_of_period_explanation(terms.name, end, today)
        elif when == "date":
            if end_date is None:
                raise QuoteError("date", "date: required when when=date (YYYY-MM-DD)")
            if end_date < today:
                raise QuoteError("date", "date: must be today or later")
            if end_date > self.latest_end_date(today):
                raise QuoteError("date", f"date: must be within {self.max_future_days} days")
            end = end_date
            renewal = anniversary
            while renewal < end:
                items.append(
                    {
                        "description": wording.charge_item(terms.name, period_word, renewal, today),
                        "amount": money(terms.price),
                    }
                )
                renewal = add_months(renewal, step)
            explanation = wording.chosen_date_explanation(
                terms.name, end, anniversary, len(items), period_word, terms.price, today
            )
        else:
            raise QuoteError("when", "when: must be one of immediate, end_of_period, date")
        warning = None
        days_to_renewal = (anniversary - today).days
        if not items and 0 <= days_to_renewal <= self.renewal_warning_days:
            warning = wording.renewal_warning(anniversary, today)
        deadline = end + timedelta(days=self.return_window_days) if has_equipment else None
        return Quote(when, end, Decimal("0.00"), items, warning, deadline, explanation)

    def next_steps(
        self, quote: Quote, routing: Routing, has_equipment: bool, balance: Decimal, today: date
    ) -> List[str]:
        """What happens after filing, in the customer's words (backend/wording.py); `today`: the
        day of the quote."""
        return wording.next_steps(
            immediate=quote.when == "immediate",
            end_date=quote.end_date,
            has_charges=bool(quote.final_bill_items),
            balance=balance,
            how_to_pay=self.how_to_pay,
            return_deadline=quote.equipment_return_deadline if has_equipment else None,
            sales_callback=routing.action == "sales_callback",
            survey_url=routing.survey_url,
            today=today,
        )


# --------------------------------------------------------------------------- the file's shape
#
# The pydantic models below declare what backend/policy.yml may hold; `parse_policy` turns their
# validation errors into one PolicyError whose lines each start with the offending key
# ("policy.offers[1].kind: must be one of ..."). A validator that checks a key below its own
# field names it in its message, starting with "." or "[" (".always_from_tier: unknown tier").


class _Checked:
    """A field type whose `validate` checks and converts a value; its ValueError is the message."""

    @classmethod
    def __get_validators__(cls):
        yield cls.validate


class _Text(str, _Checked):
    """A non-empty string, stripped."""

    @classmethod
    def validate(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a non-empty string")
        return value.strip()


class _Url(_Text):
    """An http(s) URL."""

    @classmethod
    def validate(cls, value: Any) -> str:
        text = _Text.validate(value)
        if not re.match(r"^https?://\S+$", text):
            raise ValueError("must be an http(s) URL")
        return text


class _Count(int, _Checked):
    """An integer from 0 (YAML's true and "30" are not integers here)."""

    least = 0

    @classmethod
    def validate(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < cls.least:
            raise ValueError(f"must be a {'positive' if cls.least else 'non-negative'} integer")
        return value


class _PositiveCount(_Count):
    least = 1


class _Money(Decimal, _Checked):
    """A non-negative amount with at most two decimals, quoted ("1000.00") or an integer."""

    @classmethod
    def validate(cls, value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError('must be an amount such as "1000.00"')
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValueError('must be an amount such as "1000.00"') from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
            raise ValueError("must be a non-negative amount with at most two decimals")
        return amount.quantize(CENT)


class _Flag(int, _Checked):
    """true or false (not "yes", not 1)."""

    @classmethod
    def validate(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value


class _ClockTime(time, _Checked):
    """A time of day written "HH:MM"."""

    @classmethod
    def validate(cls, value: Any) -> time:
        if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
            raise ValueError('must be a time "HH:MM"')
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise ValueError('must be a time "HH:MM"') from None


class _Day(date, _Checked):
    """A date written YYYY-MM-DD (YAML may already have read it as a date)."""

    @classmethod
    def validate(cls, value: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError("must be a date YYYY-MM-DD") from None


class _Share(float, _Checked):
    """The holdout share: a number from 0 to 0.5."""

    @classmethod
    def validate(cls, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 0.5:
            raise ValueError("must be a number from 0 to 0.5 (e.g. 0.1 for 10%)")
        return float(value)


_SCALARS = (_Share, _Text, _Url, _Count, _PositiveCount, _Money, _Flag, _ClockTime, _Day)


def _one_of(allowed: Sequence[str]):
    """A validator of list items (or one value) that must be among `allowed`."""

    def check(cls, value: Any) -> Any:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return check


def _non_empty_list(cls, value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list")
    return value


def _empty_if_none(empty: Any):
    """A pre-validator: a key present without a value (`by_kind:`) counts as empty."""

    def fill(cls, value: Any) -> Any:
        return empty if value is None else value

    return fill


class _Section(BaseModel):
    class Config:
        extra = "ignore"  # comments-as-keys and keys of newer versions do no harm

    @validator("*", pre=True)
    def _shape(cls, value: Any, field: ModelField) -> Any:
        """A section must be a mapping (pydantic alone would take a list of pairs), and a key left
        without a value gets its type's own message rather than pydantic's "none is not allowed"."""
        kind = field.outer_type_
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if (
                value is None
                and field.required
                or value is not None
                and not isinstance(value, (dict, BaseModel))
            ):
                raise ValueError("must be a mapping")
        elif value is None and not field.allow_none and kind in _SCALARS:
            kind.validate(None)  # raises that type's message
        return value


class OfferApply(_Section):
    """What accepting an offer applies (backend/offers.py); other keys are kept as written."""

    percent_off: Optional[int] = None
    months: Optional[_PositiveCount] = None
    plan: Optional[_Text] = None

    class Config:
        extra = "allow"

    @validator("percent_off", pre=True)
    def _percent(cls, value: Any) -> Any:
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 100
        ):
            raise ValueError("must be an integer between 1 and 99")
        return value


class OfferFile(_Section):
    id: _Text
    kind: str
    title: _Text
    description: _Text
    reasons: List[_Text]
    tiers: Optional[List[Any]] = None
    apply: OfferApply = OfferApply()

    _kind = validator("kind", pre=True, allow_reuse=True)(_one_of(OFFER_KINDS))
    _reasons_listed = validator("reasons", pre=True, allow_reuse=True)(_non_empty_list)
    _apply_default = validator("apply", pre=True, allow_reuse=True)(_empty_if_none({}))

    @validator("reasons", each_item=True)
    def _known_reason(cls, reason: str) -> str:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r} (one of {', '.join(REASONS)})")
        return reason

    @validator("tiers", pre=True)
    def _tiers_listed(cls, value: Any) -> Any:
        return None if value is None else _non_empty_list(cls, value)

    @root_validator(skip_on_failure=True)
    def _apply_fits_the_kind(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        kind, apply = values["kind"], values["apply"]
        if kind in ("downgrade", "plan_switch") and apply.plan is None:
            raise ValueError(".apply.plan: is required")
        if kind == "discount" and apply.percent_off is None:
            raise ValueError(".apply.percent_off: is required for a discount")
        if kind == "pause" and apply.months is None:
            raise ValueError(".apply.months: is required for a pause")
        return values

    def rule(self) -> OfferRule:
        return OfferRule(
            id=self.id,
            kind=self.kind,
            title=self.title,
            description=self.description,
            reasons=tuple(self.reasons),
            tiers=None if self.tiers is None else tuple(self.tiers),
            apply=self.apply.dict(exclude_none=True),
        )


class SalesCallbackFile(_Section):
    always_from_tier: _Text
    receivables_check_from_tier: _Text


class NonReturnFeesFile(_Section):
    default: _Money
    by_kind: Dict[_Text, _Money] = {}

    _by_kind_default = validator("by_kind", pre=True, allow_reuse=True)(_empty_if_none({}))


class SurveyFile(_Section):
    default: _Url
    by_server: Dict[_Text, _Url] = {}

    _by_server_default = validator("by_server", pre=True, allow_reuse=True)(_empty_if_none({}))


class BusinessHoursFile(_Section):
    timezone: Optional[_Text] = None  # unset: the company's (the COMPANY_TIMEZONE setting)
    days: List[str]
    start: _ClockTime
    end: _ClockTime
    closed_dates: List[_Day] = []

    _days_listed = validator("days", pre=True, allow_reuse=True)(_non_empty_list)
    _weekdays = validator("days", each_item=True, allow_reuse=True)(_one_of(WEEKDAYS))
    _closed_default = validator("closed_dates", pre=True, allow_reuse=True)(_empty_if_none([]))

    @validator("timezone")
    def _known_zone(cls, zone: Optional[str]) -> Optional[str]:
        if zone is None:
            return None
        try:
            zoneinfo.ZoneInfo(zone)
        except Exception:
            raise ValueError(f"unknown time zone {zone!r}") from None
        return zone

    @validator("end")
    def _after_start(cls, end: time, values: Dict[str, Any]) -> time:
        if "start" in values and end <= values["start"]:
            raise ValueError("must be after start")
        return end


def _any_list(cls, value: Any) -> Any:
    if not isinstance(value, list):
        raise ValueError("must be a list (may be empty)")
    return value


class HandoffFile(_Section):
    require_available_staff: _Flag = HandoffPolicy.require_available_staff  # type: ignore[assignment]
    policy_triggers: List[str] = list(HandoffPolicy.policy_triggers)
    notify: List[str] = list(HandoffPolicy.notify)

    _triggers_listed = validator("policy_triggers", pre=True, allow_reuse=True)(_any_list)
    _triggers = validator("policy_triggers", each_item=True, allow_reuse=True)(_one_of(HANDOFF_RULES))
    _notify_listed = validator("notify", pre=True, allow_reuse=True)(_any_list)
    _notify = validator("notify", each_item=True, allow_reuse=True)(_one_of(HANDOFF_NOTICES))


class ReturnsFile(_Section):
    ship_to: List[_Text] = []
    carrier: str = ""
    directions: _Text

    @validator("ship_to", pre=True)
    def _lines(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError("must be a list of address lines")
        return value

    @validator("carrier", pre=True)
    def _carrier(cls, value: Any) -> str:
        return _Text.validate(value) if value else ""


class PolicyFile(_Section):
    """The whole of backend/policy.yml (commented there, key by key)."""

    currency: _Text = "USD"  # type: ignore[assignment]
    tiers: List[_Text]
    receivables_threshold: _Money
    sales_callback: SalesCallbackFile
    fallback_owner: _Text
    billing_owner: _Text
    refund_threshold: _Money
    balance_blocks_filing: _Flag
    how_to_pay: _Text
    renewal_warning_days: _Count
    max_future_days: _PositiveCount
    return_window_days: _PositiveCount
    non_return_fees: NonReturnFeesFile
    survey: SurveyFile
    offers: List[OfferFile] = []
    business_hours: BusinessHoursFile
    handoff: HandoffFile = HandoffFile()
    offer_holdout_share: _Share = 0.0  # type: ignore[assignment]
    equipment_returns: Optional[ReturnsFile] = None
    payment_plan_max_months: _PositiveCount = 12  # type: ignore[assignment]

    _tiers_listed = validator("tiers", pre=True, allow_reuse=True)(_non_empty_list)
    _offers_default = validator("offers", pre=True, allow_reuse=True)(_empty_if_none([]))
    _handoff_default = validator("handoff", pre=True, allow_reuse=True)(_empty_if_none({}))

    @validator("tiers")
    def _unique_tiers(cls, tiers: List[str]) -> List[str]:
        if len(set(tiers)) != len(tiers):
            raise ValueError("tiers must be unique")
        return tiers

    @validator("sales_callback")
    def _callback_tiers_known(cls, callback: SalesCallbackFile, values: Dict[str, Any]) -> SalesCallbackFile:
        for key in ("always_from_tier", "receivables_check_from_tier"):
            if "tiers" in values and getattr(callback, key) not in values["tiers"]:
                raise ValueError(f".{key}: unknown tier {getattr(callback, key)!r}")
        return callback

    @validator("offers")
    def _offers_fit_the_tiers(cls, offers: List[OfferFile], values: Dict[str, Any]) -> List[OfferFile]:
        for i, offer in enumerate(offers):
            for j, tier in enumerate(offer.tiers or ()):
                if "tiers" in values and tier not in values["tiers"]:
                    raise ValueError(f"[{i}].tiers[{j}]: unknown tier {tier!r}")
        ids = [o.id for o in offers]
        if len(set(ids)) != len(ids):
            raise ValueError("offer ids must be unique")
        return offers

    def policy(self, company_timezone: str = DEFAULT_COMPANY_TIMEZONE) -> Policy:
        """The validated file as the Policy the backend applies; its business day is the date in
        `company_timezone`, and staff hours are in it too unless the file names another zone."""
        offers = tuple(o.rule() for o in self.offers)
        hours, handoff, returns = self.business_hours, self.handoff, self.equipment_returns
        return Policy(
            currency=self.currency,
            tiers=tuple(self.tiers),
            receivables_threshold=self.receivables_threshold,
            always_callback_from_tier=self.sales_callback.always_from_tier,
            receivables_check_from_tier=self.sales_callback.receivables_check_from_tier,
            fallback_owner=self.fallback_owner,
            billing_owner=self.billing_owner,
            refund_threshold=self.refund_threshold,
            balance_blocks_filing=bool(self.balance_blocks_filing),
            how_to_pay=self.how_to_pay,
            renewal_warning_days=self.renewal_warning_days,
            max_future_days=self.max_future_days,
            return_window_days=self.return_window_days,
            default_non_return_fee=self.non_return_fees.default,
            non_return_fees=dict(self.non_return_fees.by_kind.items()),
            default_survey_url=self.survey.default,
            survey_urls=dict(self.survey.by_server.items()),
            offers=offers,
            business_hours=BusinessHours(
                hours.timezone or company_timezone,
                tuple(hours.days),
                hours.start,
                hours.end,
                tuple(hours.closed_dates),
            ),
            offers_by_id={o.id: o for o in offers},
            handoff=HandoffPolicy(
                bool(handoff.require_available_staff), tuple(handoff.policy_triggers), tuple(handoff.notify)
            ),
            offer_holdout_share=float(self.offer_holdout_share),
            returns=ReturnsPolicy(tuple(returns.ship_to), returns.carrier, returns.directions)
            if returns
            else ReturnsPolicy(),
            payment_plan_max_months=self.payment_plan_max_months,
            company_timezone=company_timezone,
        )


_GENERIC = {"value_error.missing": "is required", "type_error.dict": "must be a mapping"}


def _problem(error: Dict[str, Any]) -> str:
    """One validation error as "policy.key[i].sub: message"."""
    path = "policy" + "".join(
        f"[{k}]" if isinstance(k, int) else f".{k}" for k in error["loc"] if k != "__root__"
    )
    message = _GENERIC.get(error["type"], error["msg"])
    if error["type"] == "type_error.list":
        message = "must be a list"
    if message[:1] in ".[" and ": " in message:  # a validator naming a key below its field
        below, message = message.split(": ", 1)
        path += below
    return f"{path}: {message}"


def parse_policy(data: Any, company_timezone: str = DEFAULT_COMPANY_TIMEZONE) -> Policy:
    """Validate a policy mapping (as read from YAML) and build a Policy; raise PolicyError whose
    lines each name the offending key. `company_timezone`: the COMPANY_TIMEZONE setting (the
    business day, and staff hours unless the file names another zone)."""
    if not isinstance(data, dict):
        raise PolicyError("policy: must be a mapping")
    try:
        return PolicyFile.parse_obj(data).policy(company_timezone)
    except ValidationError as exc:
        raise PolicyError("\n".join(_problem(dict(e)) for e in exc.errors())) from None


def load_policy(path: str | Path, company_timezone: str = DEFAULT_COMPANY_TIMEZONE) -> Policy:
    """Read and validate the policy YAML file at `path`; raise PolicyError on any problem.
    `company_timezone`: the COMPANY_TIMEZONE setting (see `parse_policy`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"policy: cannot read {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy: {path} is not valid YAML: {exc}") from None
    return parse_policy(data, company_timezone)
