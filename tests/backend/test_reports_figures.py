"""Every figure of the reports, checked exactly on a fixture of known conversations (docs/reports.md),
written as the backend records them (backend.reports.history), on SQLite and PostgreSQL. The
fixture's times are the company's wall-clock times (COMPANY_TIMEZONE, America/New_York here), stored
in UTC as the backend stores them: the period's days are the company's."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from backend.config import Settings
from backend.handoff.models import Handoff
from backend.hashing import conversation_key, set_identifier_hash_key
from backend.reports import Filters, members, report
from backend.reports.history import Script, write
from tests.backend.conftest import IDENTIFIER_HASH_KEY

ZONE = Settings().company_timezone  # the test app's company time zone (the policy fixture's)
PERIOD = (date(2026, 3, 2), date(2026, 3, 8))


def D(*wall: int) -> datetime:
    """The stored (naive UTC) moment of a wall-clock time in the company's time zone."""
    local = datetime(*wall, tzinfo=ZoneInfo(ZONE))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def scripts():
    price = dict(offer_requested=True, reason="price")
    return [
        # outside the period (the company's days): started the evening before (filed inside; in UTC
        # already on the period's first day) and just after midnight of the day after
        Script("A0", D(2026, 3, 1, 23, 59), customer="a0", confirmed=True, filed="immediate", step=60),
        Script("A14", D(2026, 3, 9, 0, 0, 30), customer="a14", confirmed=True, filed="immediate"),
        # saved by a discount
        Script(
            "A1",
            D(2026, 3, 2, 9, 0),
            customer="a1",
            offer_rule="price-discount-small",
            outcome="accepted",
            misunderstood=1,  # not understood once, saved all the same
            **price,
        ),
        Script(
            "A2",
            D(2026, 3, 2, 10, 0),
            customer="a2",
            offer_rule="price-discount-small",
            outcome="declined",
            confirmed=True,
            filed="end_of_period",
            filing_reason="price",
            **price,
        ),
        Script(
            "A3",
            D(2026, 3, 3, 9, 0),
            channel="twilio",
            customer="a3",
            tier="SMB",
            price=Decimal("200.00"),
            offer_rule="price-discount-large",
            outcome="accepted",
            **price,
        ),
        # saved by a downgrade, cancelled anyway in A11
        Script(
            "A4",
            D(2026, 3, 3, 11, 0),
            channel="slack",
            customer="a4",
            price=Decimal("30.00"),
            offer_requested=True,
            reason="not_using",
            offer_rule="not-using-downgrade",
            outcome="accepted",
        ),
        Script(
            "A5",
            D(2026, 3, 4, 9, 0),
            customer="a5",
            tier="Professional",
            price=Decimal("1200.00"),
            billing_period="annual",
            offer_requested=True,
            reason="moving",
            offer_rule="moving-pause",
            outcome="accepted",
            refund="under_review",
            handoff="policy:refund_over_threshold",  # the policy hands a refund under review to a person
            handoff_wait=300,
        ),
        # no reason given: no offer, filed without a reason
        Script(
            "A6",
            D(2026, 3, 4, 10, 0),
            customer="a6",
            offer_requested=True,
            confirmed=True,
            filed="immediate",
            stopped=True,  # stopped once, then filed: not a conversation that ended stopped
            step=120,
        ),
        Script(
            "A7",
            D(2026, 3, 4, 11, 0),
            customer="a7",
            offer_requested=True,
            reason="other",
            confirmed=True,
            filed="date",
            filing_reason="other",
            revoked=True,
        ),
        # the holdout: no offer shown
        Script(
            "A8",
            D(2026, 3, 5, 9, 0),
            channel="twilio",
            customer="a8",
            tier="SMB",
            offer_rule="price-discount-large",
            holdout=True,
            confirmed=True,
            filed="immediate",
            filing_reason="price",
            **price,
        ),
        Script(
            "A9",
            D(2026, 3, 5, 10, 0),
            customer="a9",
            offer_rule="price-discount-small",
            holdout=True,
            handoff="customer_request",
            handoff_wait=120,
            **price,
        ),
        Script("A10", D(2026, 3, 5, 11, 0), customer="a10", identified=False, handoff="verification_locked"),
        Script(
            "A11", D(2026, 3, 5, 12, 0), channel="slack", customer="a4", confirmed=True, filed="end_of_period"
        ),
        Script(
            "A12",
            D(2026, 3, 6, 9, 0),
            customer="a12",
            tier="Professional",
            price=Decimal("80.00"),
            offer_requested=True,
            reason="switching",
            offer_rule="switching-plan",
            outcome="declined",
            confirmed=True,
            refund="credit_processing",
            misunderstood=2,
            handoff="fallback",
            handoff_wait=600,
        ),
        Script("A13", D(2026, 3, 7, 9, 0), customer="a13", quoted=False, handoff="fallback", handoff_wait=60),
        # verification started without naming a channel (as before the backend recorded it there)
        Script("A15", D(2026, 3, 8, 23, 0), customer="a15", channel=""),
        # chose a service, was not understood once, then stopped ("no thanks, I'll keep it")
        Script("A16", D(2026, 3, 6, 15, 0), channel="slack", customer="a16", misunderstood=1, stopped=True),
    ]


def record(db, policy):
    """Write the scripts' rows; the tables hold keyed conversation hashes, so the key is installed."""
    set_identifier_hash_key(IDENTIFIER_HASH_KEY)
    db.transaction(write, policy, scripts())
    return db


@pytest.fixture(scope="module")
def recorded(db, policy):
    return record(db, policy)


def figures(db, **filters):
    return db.transaction(lambda s: report(s, *PERIOD, Filters(**filters), zone=ZONE))


def rows(rep, table):
    return rep.tables[table].rows


def behind(db, table, key, **filters):
    """Conversation ids behind one row (the drill-down lists their keys; the scripts' ids are found
    back from them)."""
    found = db.transaction(lambda s: members(s, *PERIOD, Filters(**filters), table, key, zone=ZONE))
    names = {conversation_key(s.conversation_id): s.conversation_id for s in scripts()}
    return None if found is None else [names[m.conversation_key] for m in found]


def test_funnel(recorded):
    rep = figures(recorded)
    assert rows(rep, "funnel") == [
        # step, reached, share of started; of those whose furthest step it was (neither saved nor
        # filed): all, left (nothing more recorded), asked for a person, stopped (recorded)
        ["started", 15, 1.0, 1, 0, 1, 0],  # A10 (lockout)
        ["identified", 14, 0.9333, 1, 0, 1, 0],  # A13 (misunderstood)
        ["service chosen", 13, 0.8667, 2, 1, 0, 1],  # A15 left, A16 stopped
        ["reason given", 9, 0.6, 1, 0, 1, 0],  # A9 (asked)
        ["offer made", 6, 0.4, 0, 0, 0, 0],
        ["offer accepted", 4, 0.2667, 0, 0, 0, 0],
        ["offer declined", 2, 0.1333, 0, 0, 0, 0],
        ["confirmed", 6, 0.4, 1, 0, 1, 0],  # A12 (misunderstood, handed to a person)
        ["filed", 5, 0.3333, 0, 0, 0, 0],  # A6 stopped once and filed later: counted filed
    ]
    assert behind(recorded, "funnel", "offer accepted") == ["A1", "A3", "A4", "A5"]
    assert behind(recorded, "funnel", "started", tier="SMB") == ["A3", "A8"]
    assert behind(recorded, "funnel", "no such step") is None


def test_cancellations_revocations_refunds(recorded):
    rep = figures(recorded)
    assert rows(rep, "cancellations") == [["filed", 5], ["revoked since", 1], ["confirmed but refused", 1]]
    assert rows(rep, "by_reason") == [["no reason given", 2], ["price", 2], ["other", 1]]
    assert behind(recorded, "by_reason", "no reason given") == ["A6", "A11"]
    assert behind(recorded, "cancellations", "revoked since") == ["A7"]
    assert behind(recorded, "refunds", "under_review") == ["A5"]
    assert behind(recorded, "reasons_over_time", "2026-03-02") == ["A2", "A6", "A7", "A8", "A11"]
    assert rows(rep, "by_tier") == [["Essentials", 4], ["SMB", 1]]
    assert rows(rep, "by_channel") == [["socketio", 3], ["slack", 1], ["twilio", 1]]
    assert rows(rep, "by_end_option") == [["end_of_period", 2], ["immediate", 2], ["date", 1]]
    assert rows(rep, "refunds") == [["credit_processing", 1], ["under_review", 1]]
    assert rows(rep, "reasons_over_time") == [["2026-03-02", 2, 1, 2]]
    assert rep.tables["reasons_over_time"].columns == ["week", "no reason given", "other", "price"]


def test_offers_save_rates_and_revenue(recorded):
    rep = figures(recorded)
    assert rows(rep, "offers") == [
        # offer, made, accepted, declined, no answer, save rate, saves later cancelled
        ["20% off for 3 months", 2, 1, 1, 0, 0.5, 0],
        ["25% off for 6 months", 1, 1, 0, 0, 1.0, 0],
        ["Move to the Flex plan with priority support", 1, 0, 1, 0, 0.0, 0],
        ["Pause your service for up to 3 months", 1, 1, 0, 0, 1.0, 0],
        ["Switch to the Lite plan", 1, 1, 0, 0, 1.0, 1],
    ]
    assert rows(rep, "save_rate_reason_tier") == [
        ["moving", "Professional", 1, 1, 1.0],
        ["not_using", "Essentials", 1, 1, 1.0],
        ["price", "Essentials", 2, 1, 0.5],
        ["price", "SMB", 1, 1, 1.0],
        ["switching", "Professional", 1, 0, 0.0],
    ]
    # A1 $50 at 20% for 3 months: 40 + 570; A3 $200 at 25% for 6 months: 150 + 2100;
    # A5 $1200/year paused 3 months: 0 + 900; A4 was cancelled anyway and keeps nothing.
    assert rows(rep, "revenue_kept") == [["2026-03", 4, 1, Decimal("190.00"), Decimal("3570.00")]]
    assert behind(recorded, "offers", "Switch to the Lite plan") == ["A4"]
    assert behind(recorded, "save_rate_reason_tier", "price|Essentials") == ["A1", "A2"]


def test_holdout_against_offers(recorded):
    rep = figures(recorded)
    assert rows(rep, "holdout") == [
        # group, customers, accepted, save rate, stayed, stay rate, 95% Wilson interval
        ["offered", 6, 4, 0.6667, 4, 0.6667, 0.3, 0.9032],
        ["holdout", 2, None, None, 1, 0.5, 0.0945, 0.9055],
        # difference with Newcombe's interval
        ["difference (offers' effect)", None, None, None, None, 0.1667, -0.38, 0.6361],
    ]
    assert behind(recorded, "holdout", "holdout") == ["A8", "A9"]


def test_service_figures(recorded):
    rep = figures(recorded)
    assert rows(rep, "service") == [
        ["contained without a person", 0.6667, 10],
        # at least one recorded misunderstanding (A1, A12, A16) or a handoff for one (A12, A13)
        ["misunderstanding rate", 0.2667, 4],
        # waits 60, 120, 300, 600 s: the median of an even count is the mean of the middle two
        ["wait until a person joined, median (s)", 210.0, 4],
        ["wait until a person joined, 90th percentile (s)", 600.0, 4],
        ["handoffs no person joined", 1, 1],
        ["time to cancel, median (s)", 240.0, 5],
        ["time to cancel, 90th percentile (s)", 480.0, 5],
    ]
    assert rows(rep, "handoffs") == [
        ["misunderstanding", 2, 0.1333],
        ["asked for a person", 1, 0.0667],
        ["lockout", 1, 0.0667],
        ["policy rule (refund_over_threshold)", 1, 0.0667],
    ]
    assert behind(recorded, "service", "misunderstanding rate") == ["A1", "A12", "A16", "A13"]  # oldest first
    assert behind(recorded, "handoffs", "policy rule (refund_over_threshold)") == ["A5"]
    assert behind(recorded, "handoffs", "misunderstanding") == ["A12", "A13"]
    assert behind(recorded, "service", "handoffs no person joined") == ["A10"]
    # past chats never wait in today's staff queue
    open_handoffs = recorded.transaction(
        lambda s: s.execute(
            select(func.count()).select_from(Handoff).where(Handoff.status != "closed")
        ).scalar_one()
    )
    assert open_handoffs == 0


@pytest.mark.parametrize(
    "filters, started, filed",
    [
        # the channel of the filing, else of the handoff, else the one named when verification started
        ({"channel": "socketio"}, 9, 3),
        ({"channel": "twilio"}, 2, 1),
        ({"channel": "unknown"}, 1, 0),
        ({"tier": "SMB"}, 2, 1),
        ({"tier": "not identified"}, 1, 0),
        ({"reason": "none"}, 6, 2),
        ({"channel": "slack"}, 3, 1),  # A4 saved, A11 filed, A16 stopped
        ({"reason": "price"}, 5, 2),
        ({"channel": "twilio", "reason": "price"}, 2, 1),
    ],
)
def test_filters(recorded, filters, started, filed):
    rep = figures(recorded, **filters)
    assert rows(rep, "funnel")[0][1] == started
    assert rows(rep, "cancellations")[0] == ["filed", filed]


def test_an_empty_period_has_no_rows_and_no_rates(recorded):
    rep = recorded.transaction(lambda s: report(s, date(2025, 1, 1), date(2025, 1, 31), zone=ZONE))
    assert rows(rep, "funnel")[0] == ["started", 0, None, 0, 0, 0, 0]
    assert rows(rep, "holdout")[2][5:] == [None, None, None]
    assert rows(rep, "service")[2] == ["wait until a person joined, median (s)", None, 0]
    assert rows(rep, "offers") == [] and rows(rep, "by_reason") == []
