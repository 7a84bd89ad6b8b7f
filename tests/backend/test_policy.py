"""The policy file and the SOP rules built on it (no database, no HTTP)."""

import copy
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from backend.policy import PolicyError, QuoteError, ServiceTerms, add_months, load_policy, parse_policy
from contract.vocabulary.numbers import format_money

POLICY_FILE = Path(__file__).resolve().parents[2] / "backend" / "policy.yml"
RAW = yaml.safe_load(POLICY_FILE.read_text())
TODAY = date(2025, 1, 15)


@pytest.mark.parametrize(
    "tier, receivables, rep_active, action, owner",
    [
        ("Essentials", "0.00", True, "sympathetic", None),
        ("Essentials", "5000.00", True, "sympathetic", None),  # Essentials: always step 2 of the SOP
        ("Professional", "999.99", True, "sympathetic", None),
        ("Professional", "1000.00", False, "sympathetic", None),  # at most the threshold
        ("Professional", "1000.01", True, "sales_callback", "Rita Rep"),
        ("Professional", "1500.00", False, "sales_callback", "Spencer"),  # the rep has left
        ("Professional 2A", "0.00", True, "sales_callback", "Rita Rep"),
        ("Professional 2A", "0.00", False, "sales_callback", "Spencer"),
        ("SMB", "0.00", True, "sales_callback", "Rita Rep"),
        ("SMB", "20000.00", False, "sales_callback", "Spencer"),
        ("Enterprise", "0.00", True, "sales_callback", "Rita Rep"),
        ("Enterprise", "4200.00", False, "sales_callback", "Spencer"),
    ],
)
def test_sop_routing(policy, tier, receivables, rep_active, action, owner):
    routing = policy.sop_routing(tier, Decimal(receivables), rep_active, "Rita Rep", "us-west")
    assert routing.action == action
    assert routing.task_owner == owner
    assert routing.survey_url == "https://survey.example.com/exit?server=us-west"
    assert routing.survey_url in routing.reply


def test_sop_routing_without_a_known_rep_goes_to_the_fallback_owner(policy):
    assert policy.sop_routing("SMB", Decimal("0"), True, None, None).task_owner == "Spencer"


def test_survey_link_per_server_with_a_default(policy):
    assert policy.survey_url("voice") == "https://survey.example.com/exit?product=voice"
    assert policy.survey_url("unknown-server") == policy.survey_url(None) == "https://survey.example.com/exit"


@pytest.mark.parametrize(
    "amount, status, notify",
    [
        ("0.01", "credit_processing", False),
        ("999.99", "credit_processing", False),
        ("1000.00", "credit_processing", False),
        ("1000.01", "under_review", True),
        ("25000.00", "under_review", True),
    ],
)
def test_refund_routing(policy, amount, status, notify):
    routing = policy.refund_routing(Decimal(amount))
    assert (routing.status, routing.notify_billing, routing.owner) == (status, notify, "Heather")
    if status == "credit_processing":
        assert format_money(amount) in routing.message  # one money format: $1,000.00


@pytest.mark.parametrize(
    "reason, tier, offer_id",
    [
        ("price", "Essentials", "price-discount-small"),
        ("price", "Professional", "price-discount-small"),
        ("price", "SMB", "price-discount-large"),
        ("not_using", "Enterprise", "not-using-downgrade"),
        ("moving", "Essentials", "moving-pause"),
        ("switching", "Professional 2A", "switching-plan"),
        ("switching", "Essentials", None),
        ("other", "SMB", None),
        (None, "SMB", None),
        ("made-up", "SMB", None),
    ],
)
def test_choose_offer_gives_at_most_one(policy, reason, tier, offer_id):
    offer = policy.choose_offer(reason, tier)
    assert (offer.id if offer else None) == offer_id


def _terms(anniversary=date(2025, 1, 25), period="monthly", price="50.00"):
    return ServiceTerms("Home Internet", Decimal(price), period, anniversary)


def test_quote_immediate_has_no_refund_and_ends_today(policy):
    quote = policy.quote(_terms(), "immediate", TODAY, has_equipment=True)
    assert quote.end_date == TODAY and quote.refund == Decimal("0.00")
    assert quote.final_bill_items == [] and quote.renewal_warning is None
    assert quote.equipment_return_deadline == date(2025, 2, 14)  # + 30 days
    assert "no refund" in quote.explanation


def test_quote_end_of_period_ends_on_the_anniversary(policy):
    quote = policy.quote(_terms(), "end_of_period", TODAY)
    assert quote.end_date == date(2025, 1, 25) and quote.equipment_return_deadline is None
    assert quote.as_dict()["end_date"] == "2025-01-25" and quote.as_dict()["refund"] == "0.00"


def test_quote_on_a_date_after_the_anniversary_bills_the_periods_started(policy):
    assert policy.quote(_terms(), "date", TODAY, date(2025, 1, 20)).final_bill_items == []
    quote = policy.quote(_terms(), "date", TODAY, date(2025, 3, 1))
    assert [i["amount"] for i in quote.final_bill_items] == ["50.00", "50.00"]  # Jan 25 and Feb 25 periods
    assert quote.renewal_warning is None


def test_quote_warns_when_the_renewal_is_close(policy):
    terms = _terms(anniversary=date(2025, 1, 20))
    for when in ("immediate", "end_of_period"):
        assert "credited" in policy.quote(terms, when, TODAY).renewal_warning


def test_quote_rolls_a_past_anniversary_forward(policy):
    assert policy.quote(_terms(anniversary=date(2024, 11, 20)), "end_of_period", TODAY).end_date == date(
        2025, 1, 20
    )
    annual = _terms(anniversary=date(2023, 6, 1), period="annual")
    assert policy.quote(annual, "end_of_period", TODAY).end_date == date(2025, 6, 1)


@pytest.mark.parametrize(
    "when, end, field",
    [
        ("date", None, "date"),
        ("date", date(2025, 1, 14), "date"),
        ("date", date(2026, 6, 1), "date"),
        ("tomorrow", None, "when"),
    ],
)
def test_quote_rejects_bad_end_options(policy, when, end, field):
    with pytest.raises(QuoteError) as info:
        policy.quote(_terms(), when, TODAY, end)
    assert info.value.field == field


def test_add_months_clamps_to_the_end_of_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_non_return_fee_by_kind_or_default(policy):
    assert policy.non_return_fee("router") == Decimal("120.00")
    assert policy.non_return_fee("satellite dish") == Decimal("150.00")


def test_business_hours(policy):
    hours = policy.business_hours
    assert hours.is_open(datetime(2025, 1, 15, 15, 0, tzinfo=timezone.utc))  # Wed 10:00 New York
    assert not hours.is_open(datetime(2025, 1, 15, 23, 0, tzinfo=timezone.utc))  # Wed 18:00
    assert not hours.is_open(datetime(2025, 1, 18, 15, 0, tzinfo=timezone.utc))  # Saturday


def _mutated(path, value):
    data = copy.deepcopy(RAW)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "path, value, message",
    [
        (["return_window_days"], 0, "policy.return_window_days: must be a positive integer"),
        (["return_window_days"], "30", "policy.return_window_days: must be a positive integer"),
        (["renewal_warning_days"], -1, "policy.renewal_warning_days: must be a non-negative integer"),
        (["receivables_threshold"], "lots", "policy.receivables_threshold:"),
        (["refund_threshold"], "10.005", "policy.refund_threshold:"),
        (["tiers"], KeyError, "policy.tiers: is required"),
        (["tiers"], ["SMB", "SMB"], "policy.tiers: tiers must be unique"),
        (
            ["sales_callback", "always_from_tier"],
            "Gold",
            "policy.sales_callback.always_from_tier: unknown tier",
        ),
        (["fallback_owner"], "", "policy.fallback_owner: must be a non-empty string"),
        (["billing_owner"], KeyError, "policy.billing_owner: is required"),
        (["balance_blocks_filing"], "no", "policy.balance_blocks_filing: must be true or false"),
        (["non_return_fees", "by_kind", "router"], "-5", "policy.non_return_fees.by_kind.router:"),
        (
            ["survey", "by_server", "us-east"],
            "not a url",
            "policy.survey.by_server.us-east: must be an http(s) URL",
        ),
        (["offers", 1, "kind"], "gift", "policy.offers[1].kind: must be one of"),
        (["offers", 0, "tiers"], ["Gold"], "policy.offers[0].tiers[0]: unknown tier"),
        (["offers", 0, "reasons"], ["bored"], "policy.offers[0].reasons[0]: unknown reason"),
        (["offers", 0, "apply"], {"months": 3}, "policy.offers[0].apply.percent_off: is required"),
        (["business_hours", "timezone"], "Mars/Base", "policy.business_hours.timezone: unknown time zone"),
        (["business_hours", "end"], "08:00", "policy.business_hours.end: must be after start"),
        (["offer_holdout_share"], 0.75, "policy.offer_holdout_share: must be a number from 0 to 0.5"),
        (["offer_holdout_share"], "10%", "policy.offer_holdout_share: must be a number from 0 to 0.5"),
        (["offer_holdout_share"], True, "policy.offer_holdout_share: must be a number from 0 to 0.5"),
        (["offer_holdout_share"], None, "policy.offer_holdout_share: must be a number from 0 to 0.5"),
        (["how_to_pay"], None, "policy.how_to_pay: must be a non-empty string"),  # key without a value
        (["sales_callback"], ["Gold"], "policy.sales_callback: must be a mapping"),
        (["business_hours"], None, "policy.business_hours: must be a mapping"),
        (
            ["business_hours", "closed_dates"],
            "2026-12-25",
            "policy.business_hours.closed_dates: must be a list",
        ),
        (["business_hours", "days"], ["monday"], "policy.business_hours.days[0]: must be one of mon, tue"),
        (["business_hours", "start"], "9am", 'policy.business_hours.start: must be a time "HH:MM"'),
        (["offers"], {"id": "x"}, "policy.offers: must be a list"),
        (["offers", 2, "apply"], {"percent_off": 40}, "policy.offers[2].apply.plan: is required"),
        (["offers", 3, "apply"], {"months": 0}, "policy.offers[3].apply.months: must be a positive integer"),
        (
            ["offers", 0, "apply"],
            {"percent_off": 100},
            "policy.offers[0].apply.percent_off: must be an integer",
        ),
        (["offers", 1, "id"], "price-discount-small", "policy.offers: offer ids must be unique"),
        (
            ["equipment_returns", "ship_to"],
            "Returns Center",
            "policy.equipment_returns.ship_to: must be a list",
        ),
        (["survey", "default"], 42, "policy.survey.default: must be a non-empty string"),
    ],
)
def test_policy_validation_errors_name_the_field(path, value, message):
    with pytest.raises(PolicyError) as info:
        parse_policy(_mutated(path, value))
    assert str(info.value).startswith(message)


def test_every_problem_of_a_policy_is_named_on_its_own_line():
    data = _mutated(["return_window_days"], 0)
    data["offers"][4]["tiers"] = ["Gold"]
    del data["business_hours"]["days"]
    with pytest.raises(PolicyError) as info:
        parse_policy(data)
    assert str(info.value).splitlines() == [
        "policy.return_window_days: must be a positive integer",
        "policy.offers[4].tiers[0]: unknown tier 'Gold'",
        "policy.business_hours.days: is required",
    ]


def test_staff_hours_are_in_the_company_time_zone_unless_the_policy_names_one():
    assert "timezone" not in RAW["business_hours"]  # the setting COMPANY_TIMEZONE is the one place
    noon_utc = datetime(2025, 1, 15, 12, 0, tzinfo=timezone.utc)  # Wed 07:00 New York, 13:00 Paris
    assert not parse_policy(RAW).business_hours.is_open(noon_utc)
    assert parse_policy(RAW, "Europe/Paris").business_hours.is_open(noon_utc)
    own_zone = _mutated(["business_hours", "timezone"], "Europe/Paris")
    assert parse_policy(own_zone, "America/New_York").business_hours.is_open(noon_utc)


def test_policy_file_errors(tmp_path):
    with pytest.raises(PolicyError, match="policy: cannot read"):
        load_policy(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("tiers: [a\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(broken)
    broken.write_text("- just a list\n")
    with pytest.raises(PolicyError, match="policy: must be a mapping"):
        load_policy(broken)


def test_offer_holdout_share_draws_below_the_share_are_held_out(policy):
    assert policy.offer_holdout_share == 0 and not policy.in_offer_holdout(0.0)
    tenth = parse_policy(_mutated(["offer_holdout_share"], 0.1))
    assert tenth.in_offer_holdout(0.0999) and not tenth.in_offer_holdout(0.1)


def test_shipped_policy_loads(policy):
    assert policy.tiers == ("Essentials", "Professional", "Professional 2A", "SMB", "Enterprise")
    assert policy.return_window_days == 30 and policy.balance_blocks_filing is False
