"""The reports read what the real API records: conversations driven through the backend's HTTP API
(as the action server calls it) appear in the funnel, the offers and the holdout; the holdout
share of the policy withholds the offer and records it."""

import dataclasses
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

import backend.offers
from backend.config import Settings
from backend.hashing import conversation_key
from backend.models import AuditEvent, RetentionOffer
from backend.reports import Filters, members, report
from backend.server import create_app
from tests.backend.conftest import Api, business_today, count, filing, make_account

ZONE = Settings().company_timezone  # the test app's; the reports' days are the company's


class Draws:
    """Stand-in for the random draws of the holdout: hands out the given values in turn."""

    def __init__(self, *values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0)


@pytest.fixture
async def holdout_api(settings, policy, db, monkeypatch):
    """The API with a policy holding out 20 % of offer-eligible customers and blocking filing with a
    balance; the draws are 0.5 (offered) then 0.1 (held out)."""
    monkeypatch.setattr(backend.offers, "_draws", Draws(0.5, 0.1))
    strict = dataclasses.replace(policy, offer_holdout_share=0.2, balance_blocks_filing=True)
    client = TestClient(TestServer(create_app(settings, policy=strict, db=db)))
    await client.start_server()
    try:
        yield Api(client)
    finally:
        await client.close()


def _behind(db, table, key, **filters):
    today = business_today()
    found = db.transaction(
        lambda s: members(
            s, today - timedelta(days=1), today + timedelta(days=1), Filters(**filters), table, key, zone=ZONE
        )
    )
    names = {conversation_key(name): name for name in ("report-conv-1", "report-conv-2", "report-conv-3")}
    return {names.get(m.conversation_key, m.conversation_key) for m in found}


async def test_conversations_through_the_api_are_counted_in_the_report(holdout_api, db):
    """A report after the first conversation builds the summary; the last one adds the other two
    conversations incrementally."""
    api = holdout_api
    today = business_today()
    # 1: quote, offer (0.5 >= 0.2: offered), declined, filed
    first = make_account(db)
    svc = first["services"][0]
    who = await api.verify(first, "report-conv-1", channel="socketio")
    assert (await api.get(f"/api/v1/services/{svc}/quote", who))[0] == 200
    offer = (await api.post(f"/api/v1/services/{svc}/offer", {"reason": "price"}, who))[1]["offer"]
    assert offer["title"] == "20% off for 3 months"
    assert (await api.post(f"/api/v1/offers/{offer['id']}/outcome", {"accepted": False}, who))[0] == 200
    status, _ = await api.post(
        "/api/v1/cancellations",
        filing(svc, reason="price", channel="socketio"),
        who,
        headers={"Idempotency-Key": "report-1"},
    )
    assert status == 201
    first_report = db.transaction(lambda s: report(s, today, today, zone=ZONE))
    assert first_report.tables["cancellations"].rows[0] == ["filed", 1]
    # 2: the holdout (0.1 < 0.2): no offer, also when asked again; the offer it would have been is recorded
    second = make_account(db)
    svc2 = second["services"][0]
    who2 = await api.verify(second, "report-conv-2", channel="twilio")
    assert await api.post(f"/api/v1/services/{svc2}/offer", {"reason": "price"}, who2) == (
        200,
        {"offer": None},
    )
    assert await api.post(f"/api/v1/services/{svc2}/offer", {"reason": "price"}, who2) == (
        200,
        {"offer": None},
    )
    held = db.transaction(lambda s: s.query(RetentionOffer).filter_by(service_id=svc2).one())
    assert (held.status, held.rule_id, held.conversation_key) == (
        "holdout",
        "price-discount-small",
        conversation_key("report-conv-2"),
    )
    assert (await api.post(f"/api/v1/offers/{held.id}/outcome", {"accepted": True}, who2))[0] == 404
    assert (
        count(db, AuditEvent, action="offer_holdout", conversation_key=conversation_key("report-conv-2")) == 1
    )
    # 3: confirmed, but the balance blocks filing: recorded as refused
    third = make_account(db, receivables="10.00")
    who3 = await api.verify(third, "report-conv-3", channel="slack")
    assert (await api.get(f"/api/v1/services/{third['services'][0]}/quote", who3))[0] == 200
    status, body = await api.post(
        "/api/v1/cancellations",
        filing(third["services"][0], channel="slack"),
        who3,
        headers={"Idempotency-Key": "report-3"},
    )
    assert (status, body["error"]) == (409, "balance_blocks_filing")
    assert (
        count(
            db, AuditEvent, action="cancellation_refused", conversation_key=conversation_key("report-conv-3")
        )
        == 1
    )

    rep = db.transaction(lambda s: report(s, today - timedelta(days=1), today + timedelta(days=1), zone=ZONE))
    steps = [row[0] for row in rep.tables["funnel"].rows]
    mine = {"report-conv-1", "report-conv-2", "report-conv-3"}
    assert {step: sorted(mine & _behind(db, "funnel", step)) for step in steps} == {
        "started": sorted(mine),
        "identified": sorted(mine),
        "service chosen": sorted(mine),
        "reason given": ["report-conv-1", "report-conv-2"],
        "offer made": ["report-conv-1"],
        "offer accepted": [],
        "offer declined": ["report-conv-1"],
        "confirmed": ["report-conv-1", "report-conv-3"],
        "filed": ["report-conv-1"],
    }
    assert mine & _behind(db, "holdout", "holdout") == {"report-conv-2"}
    assert mine & _behind(db, "holdout", "offered") == {"report-conv-1"}
    # the channel: of the filing, else the one named when verification started (neither 2 nor 3 filed)
    for channel, conversation in (
        ("socketio", "report-conv-1"),
        ("twilio", "report-conv-2"),
        ("slack", "report-conv-3"),
    ):
        assert mine & _behind(db, "funnel", "started", channel=channel) == {conversation}
    assert not mine & _behind(db, "funnel", "started", channel="unknown")


async def test_conversation_events_through_the_api_reach_the_funnel_and_the_misunderstanding_rate(api, db):
    """The action server's notes (POST /api/v1/conversation-events): a misunderstanding before
    anything else starts a conversation and counts in the misunderstanding rate; a stop after the
    quote makes the conversation "stopped" rather than "left"; the id is kept only sealed."""
    today = business_today()
    phone = "+15550104477"  # an SMS conversation id is the customer's phone number
    body = {"conversation_id": phone, "kind": "misunderstood", "channel": "twilio"}
    assert await api.post("/api/v1/conversation-events", body) == (200, {"recorded": True})
    customer = make_account(db)
    who = await api.verify(customer, phone, channel="twilio")
    assert (await api.get(f"/api/v1/services/{customer['services'][0]}/quote", who))[0] == 200
    period = (today - timedelta(days=1), today + timedelta(days=1))

    def chosen_and_ended():  # step, reached, share, ended here, left, asked for a person, stopped
        rep = db.transaction(lambda s: report(s, *period, zone=ZONE))
        return next(row for row in rep.tables["funnel"].rows if row[0] == "service chosen")

    before = chosen_and_ended()
    body = {"conversation_id": phone, "kind": "stopped", "channel": "twilio"}
    assert await api.post("/api/v1/conversation-events", body) == (200, {"recorded": True})
    # an unknown kind is refused by the contract's validation, and nothing is recorded for it
    status, answer = await api.post(
        "/api/v1/conversation-events", {"conversation_id": phone, "kind": "bored"}
    )
    assert status == 422 and answer["field"] == "kind"
    key = conversation_key(phone)
    events = db.transaction(
        lambda s: [
            (e.action, dict(e.details))
            for e in s.query(AuditEvent).filter_by(conversation_key=key).order_by(AuditEvent.id)
        ]
    )
    assert [a for a, _ in events] == [
        "conversation_misunderstood",
        "verify_started",
        "verify_succeeded",
        "service_quoted",
        "conversation_stopped",
    ]
    assert all(phone not in str(d) and "5550104477" not in str(d) for _, d in events)

    after = chosen_and_ended()  # the conversation that had "left" after the quote has now stopped
    assert after[3:] == [before[3], before[4] - 1, before[5], before[6] + 1]
    misunderstood = db.transaction(
        lambda s: members(s, *period, Filters(), "service", "misunderstanding rate", zone=ZONE)
    )
    row = [r for r in misunderstood if r.conversation_key == key]
    assert len(row) == 1 and row[0].channel == "twilio" and row[0].stopped
    assert phone not in row[0].sealed_conversation_id
    from backend.hashing import unseal_conversation_id

    assert unseal_conversation_id(row[0].sealed_conversation_id) == phone
