"""The handoff queue behind POST /api/v1/handoffs: on duty / off duty, one open handoff per
conversation, the verified account attached, the notification written with it."""

from datetime import datetime

from sqlalchemy import select

from backend.handoff import service
from backend.handoff.auth import Staff
from backend.handoff.models import ConsoleSetting, Handoff, StaffNotification, StaffUser
from backend.hashing import conversation_key
from backend.models import AuditEvent
from tests.backend.conftest import make_account
from tests.handoff.conftest import add_staff, queue_handoff

NY_MONDAY_10 = datetime.fromisoformat("2026-11-23T10:00:00-05:00")
NY_SATURDAY = datetime.fromisoformat("2026-11-28T12:00:00-05:00")


def set_duty(db, mode: str) -> None:
    def work(session):
        row = session.get(ConsoleSetting, service.DUTY_KEY)
        if row is None:
            session.add(ConsoleSetting(key=service.DUTY_KEY, value=mode))
        else:
            row.value = mode

    db.transaction(work)


def rows(db, model, **where):
    return db.transaction(lambda s: list(s.execute(select(model).filter_by(**where)).scalars()))


async def test_needs_the_service_token_and_valid_fields(api):
    status, body = (
        await api.client.post("/api/v1/handoffs", json={"conversation_id": "c", "reason": "x"}),
        None,
    )
    assert status.status == 401
    for bad in (
        {},
        {"conversation_id": "c"},
        {"conversation_id": "c", "reason": "Not A Code!"},
        {"conversation_id": "", "reason": "customer_request"},
        {"conversation_id": "c", "reason": "customer_request", "channel": 5},
    ):
        status, body = await api.post("/api/v1/handoffs", bad)
        assert status == 422, (bad, body)
    status, body = await api.post("/api/v1/handoffs", None, data=b"[1]")
    assert status == 400


async def test_on_duty_queues_and_says_so(api, db):
    set_duty(db, "on")
    body = await queue_handoff(api, reason="customer_request", channel="socketio")
    h = body["handoff"]
    assert body["on_duty"] is True and body["next_opening"] is None
    assert h["status"] == "queued" and h["paused"] is True and h["channel"] == "socketio"
    assert h["reason"] == "customer_request" and h["account_number"] is None and h["created_at"].endswith("Z")
    notes = rows(db, StaffNotification, kind="handoff")
    assert any(f"handoff #{h['id']}" in n.body and n.status == "pending" for n in notes)
    audit = rows(
        db, AuditEvent, action="handoff_requested", conversation_key=conversation_key(h["conversation_id"])
    )
    assert len(audit) == 1 and audit[0].details["reason"] == "customer_request"


async def test_off_duty_queues_with_the_next_opening(api, db):
    set_duty(db, "off")
    body = await queue_handoff(api)
    assert body["on_duty"] is False and body["handoff"]["paused"] is False
    assert body["handoff"]["status"] == "queued"
    set_duty(db, "auto")


async def test_one_open_handoff_per_conversation(api, db):
    set_duty(db, "on")
    first = await queue_handoff(api, conversation_id="conv-repeat")
    status, again = await api.post(
        "/api/v1/handoffs", {"conversation_id": "conv-repeat", "reason": "fallback"}
    )
    assert status == 200 and again["handoff"]["id"] == first["handoff"]["id"]
    assert again["handoff"]["reason"] == "customer_request"  # the first reason stands


async def test_a_verified_customer_gets_the_account_attached(api, db):
    set_duty(db, "on")
    account = make_account(db)
    who = await api.verify(account)
    body = await queue_handoff(api, conversation_id=who["X-Conversation-Id"], who=who)
    assert body["handoff"]["account_number"] == account["account_number"]
    # a handle of another conversation (or an expired one) is ignored, never refused
    other = await queue_handoff(
        api, conversation_id="conv-other", who={**who, "X-Conversation-Id": "conv-other"}
    )
    assert other["handoff"]["account_number"] is None


def test_duty_rules(db, policy):
    def duty(now):
        return db.transaction(lambda s: service.duty(s, policy, now))

    set_duty(db, "auto")
    assert duty(NY_MONDAY_10).on_duty is True
    saturday = duty(NY_SATURDAY)
    assert saturday.on_duty is False and saturday.why == "outside_business_hours"
    assert saturday.next_opening.isoformat() == "2026-11-30T09:00:00-05:00"
    assert saturday.as_dict()["next_opening_text"] == "Monday, November 30 at 09:00 (America/New_York time)"
    set_duty(db, "on")
    assert duty(NY_SATURDAY).on_duty is True
    set_duty(db, "off")
    assert duty(NY_MONDAY_10).on_duty is False
    set_duty(db, "auto")


def test_require_available_staff(db, policy):
    import dataclasses

    strict = dataclasses.replace(
        policy, handoff=dataclasses.replace(policy.handoff, require_available_staff=True)
    )
    set_duty(db, "auto")
    db.transaction(lambda s: [setattr(u, "available", False) for u in s.execute(select(StaffUser)).scalars()])
    status = db.transaction(lambda s: service.duty(s, strict, NY_MONDAY_10))
    assert status.on_duty is False and status.why == "no_staff_available"
    user = add_staff(db)
    row = rows(db, StaffUser, username=user["username"])[0]
    staff = Staff(row.id, row.username, row.display_name, row.role, "x", NY_MONDAY_10)
    db.transaction(service.set_available, staff, True)
    assert db.transaction(lambda s: service.duty(s, strict, NY_MONDAY_10)).on_duty is True
    db.transaction(service.set_available, staff, False)


def test_queue_order_and_waiting_times(db, policy):
    set_duty(db, "on")
    user = add_staff(db, "supervisor")
    row = rows(db, StaffUser, username=user["username"])[0]
    staff = Staff(row.id, row.username, row.display_name, row.role, "x", NY_MONDAY_10)
    a, _ = db.transaction(service.queue, policy, "conv-order-a", "rest", "customer_request", None)
    b, _ = db.transaction(service.queue, policy, "conv-order-b", "rest", "fallback", None)
    listed = db.transaction(service.list_handoffs, staff)
    ids = [h["id"] for h in listed]
    assert ids.index(a["handoff"]["id"]) < ids.index(b["handoff"]["id"])
    assert all(h["waiting_seconds"] >= 0 and h["status"] in ("queued", "assigned") for h in listed)
    # agents read the history too (closed chats, newest first, after the open ones)
    history = db.transaction(
        service.list_handoffs, Staff(row.id, row.username, "A", "agent", "x", NY_MONDAY_10), True
    )
    assert [h["id"] for h in history][: len(ids)] == ids
    assert db.transaction(lambda s: s.get(Handoff, a["handoff"]["id"])).status == "queued"


async def test_position_and_expected_wait_from_the_teams_recent_history(api, db):
    """The customer hears their place in line and a wait based on how long taking a chat took
    lately (the median), shared by the staff marked available; 'shortly' needs someone available."""
    from datetime import timedelta

    from sqlalchemy import update

    set_duty(db, "on")
    db.transaction(lambda s: s.execute(update(StaffUser).values(available=False)))
    db.transaction(
        lambda s: s.execute(update(Handoff).where(Handoff.status != "closed").values(status="closed"))
    )
    first = await queue_handoff(api)
    second = await queue_handoff(api)
    assert (first["position"], second["position"]) == (1, 2)
    assert first["someone_available"] is False

    def history(session):  # three chats taken lately: after 4, 10 and 30 minutes (median 10)
        session.execute(update(Handoff).where(Handoff.assigned_at.is_not(None)).values(assigned_at=None))
        now = datetime.utcnow()
        for minutes in (4, 10, 30):
            session.add(
                Handoff(
                    conversation_id=f"old-{minutes}",
                    channel="rest",
                    reason="customer_request",
                    status="closed",
                    created_at=now - timedelta(hours=1),
                    assigned_at=now - timedelta(hours=1) + timedelta(minutes=minutes),
                )
            )

    db.transaction(history)
    third = await queue_handoff(api)
    assert third["position"] == 3 and third["expected_wait_minutes"] == 30 and not third["someone_available"]
    names = [add_staff(db, "agent")["username"] for _ in range(2)]
    db.transaction(
        lambda s: s.execute(update(StaffUser).where(StaffUser.username.in_(names)).values(available=True))
    )
    fourth = await queue_handoff(api)
    assert fourth["position"] == 4 and fourth["expected_wait_minutes"] == 20 and fourth["someone_available"]


async def test_reply_email_only_for_a_waiting_website_chat_and_masked_in_the_audit(api, db):
    set_duty(db, "off")
    web_chat = await queue_handoff(api, channel="socketio")
    sms = await queue_handoff(api, conversation_id="+15550100", channel="twilio")
    post = api.client.post

    answer = await post(
        "/widget/v1/reply-email",
        json={"conversation_id": sms["handoff"]["conversation_id"], "email": "x@example.com"},
    )
    assert answer.status == 404 and answer.headers["Access-Control-Allow-Origin"] == "*"
    cid = web_chat["handoff"]["conversation_id"]
    answer = await post(
        "/widget/v1/reply-email", json={"conversation_id": cid, "email": " Erin@Example.com "}
    )
    assert answer.status == 200 and (await answer.json())["reply_email"] == "e•••@example.com"
    assert rows(db, Handoff, conversation_id=cid)[0].reply_email == "erin@example.com"
    audit = rows(db, AuditEvent, action="handoff_reply_email", conversation_key=conversation_key(cid))
    assert [a.details["masked_address"] for a in audit] == ["e•••@example.com"]
    assert not any("erin@example.com" in n.body for n in rows(db, StaffNotification, kind="handoff"))
    preflight = await api.client.options("/widget/v1/reply-email")
    assert preflight.status == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]
