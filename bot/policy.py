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

from contract.vocabulary.dates import human_date
from contract.vocabulary.numbers import format_money, wire_money
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
            return Routing(
                action="sympathetic",
                reply=(
                    "We're sorry to see you go, and our door stays open if you ever want to come "
                    f"back. Would you tell us what we could have done better? {survey}"
                ),
                survey_url=survey,
            )
        owner = sales_rep if (rep_active and sales_rep) else self.fallback_owner
        return Routing(
            action="sales_callback",
            reply=(
                "We're sorry to see you go. Your request is filed; a member of our team may "
                f"call you about your account. Tell us what we could have done better: {survey}"
            ),
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
                message=(
                    f"We're sorry for the trouble. A credit of {format_money(amount)} will be processed "
                    "for your account."
                ),
            )
        return RefundRouting(
            status="under_review",
            owner=self.billing_owner,
            notify_billing=True,
            message=(
                "We're sorry for the trouble. Your refund request is being reviewed by our "
                "billing team, who will get back to you."
            ),
        )

    def non_return_fee(self, kind: str) -> Decimal:
        """Fee charged for one device of `kind` that is not sent back."""
        return self.non_return_fees.get(kind, self.default_non_return_fee)

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
            explanation = (
                f"{terms.name} ends today ({human_date(end)}). Immediate cancellations are processed "
                "right away and no refund is issued for the rest of the current billing period."
            )
        elif when == "end_of_period":
            end = anniversary
            explanation = (
                f"{terms.name} stays active until its billing anniversary on {human_date(end)} and "
                "ends then. Nothing more is charged for it."
            )
        elif when == "date":
            if end_date is None:
                raise QuoteError("date", "date: required when when=date (YYYY-MM-DD)")
            if end_date < today:
                raise QuoteError("date", "date: must be today or later")
            if end_date > today + timedelta(days=self.max_future_days):
                raise QuoteError("date", f"date: must be within {self.max_future_days} days")
            end = end_date
            renewal = anniversary
            while renewal < end:
                items.append(
                    {
                        "description": f"{terms.name}: {period_word} charge for the period "
                        f"starting {human_date(renewal)}",
                        "amount": money(terms.price),
                    }
                )
                renewal = add_months(renewal, step)
            if items:
                count = len(items)
                explanation = (
                    f"{terms.name} stays active until {human_date(end)}. That is after the billing "
                    f"anniversary on {human_date(anniversary)}, so {count} more {period_word} "
                    f"charge{'' if count == 1 else 's'} of {format_money(terms.price)} will be "
                    "billed; no refund for unused days."
                )
            else:
                explanation = (
                    f"{terms.name} stays active until {human_date(end)}. The current period is "
                    "already paid; no refund is issued for the days after the end date."
                )
        else:
            raise QuoteError("when", "when: must be one of immediate, end_of_period, date")
        warning = None
        days_to_renewal = (anniversary - today).days
        if not items and 0 <= days_to_renewal <= self.renewal_warning_days:
            warning = (
                f"The renewal on {human_date(anniversary)} is close: a renewal invoice may still be "
                "issued; if so it will be credited."
            )
        deadline = end + timedelta(days=self.return_window_days) if has_equipment else None
        return Quote(when, end, Decimal("0.00"), items, warning, deadline, explanation)

    def next_steps(self, quote: Quote, routing: Routing, has_equipment: bool, balance: Decimal) -> List[str]:
        """What happens after filing, in the customer's words."""
        if quote.when == "immediate":
            steps = [f"Your service ended today, {human_date(quote.end_date)}."]
        else:
            steps = [f"Your service stays active until {human_date(quote.end_date)} and ends then."]
        if quote.final_bill_items:
            steps.append("The remaining charges listed will appear on your final bill.")
        if balance > 0:
            steps.append(f"A balance of {format_money(balance)} is due at cancellation. {self.how_to_pay}")
        if has_equipment and quote.equipment_return_deadline:
            steps.append(
                "Send the leased equipment back by "
                f"{human_date(quote.equipment_return_deadline)} with the prepaid label we email you, "
                "and tell us the tracking number; devices not returned are charged the non-return fee."
            )
        steps.append("You can revoke this request any time before the end date.")
        if routing.action == "sales_callback":
            steps.append("A member of our team may call you; your cancellation stands either way.")
        steps.append(f"Tell us how we could have done better: {routing.survey_url}")
        return steps


# --------------------------------------------------------------------------- loading


def _get(data: Dict[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise PolicyError(f"{path}.{key}: is required")
    return data[key]


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{path}: must be a non-empty string")
    return value.strip()


def _posint(value: Any, path: str, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        raise PolicyError(f"{path}: must be a {'non-negative' if allow_zero else 'positive'} integer")
    return value


def _money(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PolicyError(f'{path}: must be an amount such as "1000.00"')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise PolicyError(f'{path}: must be an amount such as "1000.00"') from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise PolicyError(f"{path}: must be a non-negative amount with at most two decimals")
    return amount.quantize(CENT)


def _dict(value: Any, path: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise PolicyError(f"{path}: must be a mapping")
    return value


def _list(value: Any, path: str) -> List[Any]:
    if not isinstance(value, list) or not value:
        raise PolicyError(f"{path}: must be a non-empty list")
    return value


def _url(value: Any, path: str) -> str:
    text = _str(value, path)
    if not re.match(r"^https?://\S+$", text):
        raise PolicyError(f"{path}: must be an http(s) URL")
    return text


def _hhmm(value: Any, path: str) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
        raise PolicyError(f'{path}: must be a time "HH:MM"')
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise PolicyError(f'{path}: must be a time "HH:MM"') from None


def _offer(raw: Any, path: str, tiers: Sequence[str]) -> OfferRule:
    raw = _dict(raw, path)
    kind = _str(_get(raw, "kind", path), f"{path}.kind")
    if kind not in OFFER_KINDS:
        raise PolicyError(f"{path}.kind: must be one of {', '.join(OFFER_KINDS)}")
    reasons = tuple(
        _str(r, f"{path}.reasons[{i}]")
        for i, r in enumerate(_list(_get(raw, "reasons", path), f"{path}.reasons"))
    )
    for i, reason in enumerate(reasons):
        if reason not in REASONS:
            raise PolicyError(f"{path}.reasons[{i}]: unknown reason {reason!r} (one of {', '.join(REASONS)})")
    offer_tiers = None
    if raw.get("tiers") is not None:
        offer_tiers = tuple(_list(raw["tiers"], f"{path}.tiers"))
        for i, tier in enumerate(offer_tiers):
            if tier not in tiers:
                raise PolicyError(f"{path}.tiers[{i}]: unknown tier {tier!r}")
    apply = _dict(raw.get("apply") or {}, f"{path}.apply")
    if "percent_off" in apply:
        pct = apply["percent_off"]
        if isinstance(pct, bool) or not isinstance(pct, int) or not 0 < pct < 100:
            raise PolicyError(f"{path}.apply.percent_off: must be an integer between 1 and 99")
    if "months" in apply:
        _posint(apply["months"], f"{path}.apply.months")
    if kind in ("downgrade", "plan_switch"):
        _str(_get(apply, "plan", f"{path}.apply"), f"{path}.apply.plan")
    if kind == "discount" and "percent_off" not in apply:
        raise PolicyError(f"{path}.apply.percent_off: is required for a discount")
    if kind == "pause" and "months" not in apply:
        raise PolicyError(f"{path}.apply.months: is required for a pause")
    return OfferRule(
        id=_str(_get(raw, "id", path), f"{path}.id"),
        kind=kind,
        title=_str(_get(raw, "title", path), f"{path}.title"),
        description=_str(_get(raw, "description", path), f"{path}.description"),
        reasons=reasons,
        tiers=offer_tiers,
        apply=dict(apply),
    )


def _names(raw: Any, path: str, allowed: Sequence[str]) -> Tuple[str, ...]:
    if not isinstance(raw, list):
        raise PolicyError(f"{path}: must be a list (may be empty)")
    for i, name in enumerate(raw):
        if name not in allowed:
            raise PolicyError(f"{path}[{i}]: must be one of {', '.join(allowed)}")
    return tuple(raw)


def _handoff_policy(raw: Any, path: str) -> HandoffPolicy:
    """The optional `handoff` section; absent keys keep HandoffPolicy's defaults."""
    if raw is None:
        return HandoffPolicy()
    raw = _dict(raw, path)
    defaults = HandoffPolicy()
    require = raw.get("require_available_staff", defaults.require_available_staff)
    if not isinstance(require, bool):
        raise PolicyError(f"{path}.require_available_staff: must be true or false")
    return HandoffPolicy(
        require_available_staff=require,
        policy_triggers=_names(
            raw.get("policy_triggers", list(defaults.policy_triggers)),
            f"{path}.policy_triggers",
            HANDOFF_RULES,
        ),
        notify=_names(raw.get("notify", list(defaults.notify)), f"{path}.notify", HANDOFF_NOTICES),
    )


def parse_policy(data: Any) -> Policy:
    """Validate a policy mapping (as read from YAML) and build a Policy; raise PolicyError."""
    p = "policy"
    data = _dict(data, p)
    tiers = tuple(
        _str(t, f"{p}.tiers[{i}]") for i, t in enumerate(_list(_get(data, "tiers", p), f"{p}.tiers"))
    )
    if len(set(tiers)) != len(tiers):
        raise PolicyError(f"{p}.tiers: tiers must be unique")
    callback = _dict(_get(data, "sales_callback", p), f"{p}.sales_callback")
    tier_fields = {}
    for key in ("always_from_tier", "receivables_check_from_tier"):
        value = _str(_get(callback, key, f"{p}.sales_callback"), f"{p}.sales_callback.{key}")
        if value not in tiers:
            raise PolicyError(f"{p}.sales_callback.{key}: unknown tier {value!r}")
        tier_fields[key] = value
    blocks = _get(data, "balance_blocks_filing", p)
    if not isinstance(blocks, bool):
        raise PolicyError(f"{p}.balance_blocks_filing: must be true or false")
    fees = _dict(_get(data, "non_return_fees", p), f"{p}.non_return_fees")
    by_kind = _dict(fees.get("by_kind") or {}, f"{p}.non_return_fees.by_kind")
    survey = _dict(_get(data, "survey", p), f"{p}.survey")
    by_server = _dict(survey.get("by_server") or {}, f"{p}.survey.by_server")
    offers = tuple(_offer(o, f"{p}.offers[{i}]", tiers) for i, o in enumerate(data.get("offers") or []))
    ids = [o.id for o in offers]
    if len(set(ids)) != len(ids):
        raise PolicyError(f"{p}.offers: offer ids must be unique")
    hours = _dict(_get(data, "business_hours", p), f"{p}.business_hours")
    hp = f"{p}.business_hours"
    tz = _str(_get(hours, "timezone", hp), f"{hp}.timezone")
    try:
        zoneinfo.ZoneInfo(tz)
    except Exception:
        raise PolicyError(f"{hp}.timezone: unknown time zone {tz!r}") from None
    days = tuple(_list(_get(hours, "days", hp), f"{hp}.days"))
    for i, day in enumerate(days):
        if day not in WEEKDAYS:
            raise PolicyError(f"{hp}.days[{i}]: must be one of {', '.join(WEEKDAYS)}")
    start, end = _hhmm(_get(hours, "start", hp), f"{hp}.start"), _hhmm(_get(hours, "end", hp), f"{hp}.end")
    if end <= start:
        raise PolicyError(f"{hp}.end: must be after start")
    closed = []
    for i, raw_day in enumerate(hours.get("closed_dates") or []):
        try:
            closed.append(raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day)))
        except ValueError:
            raise PolicyError(f"{hp}.closed_dates[{i}]: must be a date YYYY-MM-DD") from None
    handoff = _handoff_policy(data.get("handoff"), f"{p}.handoff")
    holdout = data.get("offer_holdout_share", 0)
    if isinstance(holdout, bool) or not isinstance(holdout, (int, float)) or not 0 <= holdout <= 0.5:
        raise PolicyError(f"{p}.offer_holdout_share: must be a number from 0 to 0.5 (e.g. 0.1 for 10%)")
    policy = Policy(
        currency=_str(data.get("currency", "USD"), f"{p}.currency"),
        tiers=tiers,
        receivables_threshold=_money(_get(data, "receivables_threshold", p), f"{p}.receivables_threshold"),
        always_callback_from_tier=tier_fields["always_from_tier"],
        receivables_check_from_tier=tier_fields["receivables_check_from_tier"],
        fallback_owner=_str(_get(data, "fallback_owner", p), f"{p}.fallback_owner"),
        billing_owner=_str(_get(data, "billing_owner", p), f"{p}.billing_owner"),
        refund_threshold=_money(_get(data, "refund_threshold", p), f"{p}.refund_threshold"),
        balance_blocks_filing=blocks,
        how_to_pay=_str(_get(data, "how_to_pay", p), f"{p}.how_to_pay"),
        renewal_warning_days=_posint(
            _get(data, "renewal_warning_days", p), f"{p}.renewal_warning_days", allow_zero=True
        ),
        max_future_days=_posint(_get(data, "max_future_days", p), f"{p}.max_future_days"),
        return_window_days=_posint(_get(data, "return_window_days", p), f"{p}.return_window_days"),
        default_non_return_fee=_money(
            _get(fees, "default", f"{p}.non_return_fees"), f"{p}.non_return_fees.default"
        ),
        non_return_fees={
            _str(k, f"{p}.non_return_fees.by_kind"): _money(v, f"{p}.non_return_fees.by_kind.{k}")
            for k, v in by_kind.items()
        },
        default_survey_url=_url(_get(survey, "default", f"{p}.survey"), f"{p}.survey.default"),
        survey_urls={
            _str(k, f"{p}.survey.by_server"): _url(v, f"{p}.survey.by_server.{k}")
            for k, v in by_server.items()
        },
        offers=offers,
        business_hours=BusinessHours(tz, days, start, end, tuple(closed)),
        offers_by_id={o.id: o for o in offers},
        handoff=handoff,
        offer_holdout_share=float(holdout),
        returns=_returns_policy(data.get("equipment_returns"), f"{p}.equipment_returns"),
    )
    return policy


def _returns_policy(data: Any, p: str) -> ReturnsPolicy:
    if data is None:
        return ReturnsPolicy()
    if not isinstance(data, dict):
        raise PolicyError(f"{p}: must be a mapping")
    ship_to = data.get("ship_to") or []
    if not isinstance(ship_to, list):
        raise PolicyError(f"{p}.ship_to: must be a list of address lines")
    return ReturnsPolicy(
        ship_to=tuple(_str(line, f"{p}.ship_to[{i}]") for i, line in enumerate(ship_to)),
        carrier=_str(data.get("carrier", ""), f"{p}.carrier") if data.get("carrier") else "",
        directions=_str(_get(data, "directions", p), f"{p}.directions"),
    )


def load_policy(path: str | Path) -> Policy:
    """Read and validate the policy YAML file at `path`; raise PolicyError on any problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"policy: cannot read {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy: {path} is not valid YAML: {exc}") from None
    return parse_policy(data)
