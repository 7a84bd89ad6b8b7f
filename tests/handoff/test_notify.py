"""Staff notifications: written with the filing/refund/handoff, delivered afterwards to a Slack
incoming webhook (a local stand-in here), retried, never breaking a filing."""

import asyncio
import logging

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from backend.handoff import notify
from backend.handoff.keys import NOTIFIER
from backend.handoff.models import Handoff, StaffNotification
from backend.models import CancellationRequest, StaffTask
from backend.server import create_app
from tests.backend.conftest import Api, filing, make_account
from tests.handoff.conftest import make_settings, queue_handoff
from tests.handoff.test_queue import set_duty


class Slack:
    """Stand-in for a Slack incoming webhook: records posts, answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status, self.posts = status, []

    def app(self) -> web.Application:
        async def hook(request: web.Request) -> web.Response:
            self.posts.append(await request.json())
            return web.Response(status=self.status, text="ok" if self.status == 200 else "no_service")

        app = web.Application()
        app.router.add_post("/services/T000/B000/XXXX", hook)
        return app


async def started(app_factory, slack: Slack):
    slack_server = TestServer(slack.app())
    await slack_server.start_server()
    app = app_factory(str(slack_server.make_url("/services/T000/B000/XXXX")))
    client = TestClient(TestServer(app))
    await client.start_server()
    return slack_server, client


def pending(db, **where):
    return db.transaction(
        lambda s: list(
            s.execute(select(StaffNotification).filter_by(**where).order_by(StaffNotification.id)).scalars()
        )
    )


def _clear(db):
    db.transaction(
        lambda s: s.execute(
            update(StaffNotification).where(StaffNotification.status == "pending").values(status="expired")
        )
    )


async def test_handoff_notification_is_delivered(db_url, db, policy):
    _clear(db)
    set_duty(db, "on")
    slack = Slack()

    def factory(url):
        app = create_app(make_settings(db_url, slack_staff_webhook_url=url), policy=policy, db=db)
        return app

    slack_server, client = await started(factory, slack)
    try:
        body = await queue_handoff(Api(client), channel="slack")
        for _ in range(400):  # up to 20 s on a loaded machine; usually the first pass
            if slack.posts:
                break
            await asyncio.sleep(0.05)  # woken right after the commit, no polling interval to wait for
        assert len(slack.posts) == 1 and f"handoff #{body['handoff']['id']}" in slack.posts[0]["text"]
        assert "channel slack" in slack.posts[0]["text"]
        row = [n for n in pending(db, kind="handoff") if f"#{body['handoff']['id']}" in n.body][0]
        assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    finally:
        await client.close()
        await slack_server.close()


async def test_failing_webhook_never_breaks_a_filing_and_is_retried(db_url, db, policy):
    _clear(db)
    slack = Slack(status=500)

    def factory(url):
        return create_app(make_settings(db_url, slack_staff_webhook_url=url), policy=policy, db=db)

    slack_server, client = await started(factory, slack)
    api = Api(client)
    try:
        account = make_account(db, tier="SMB")  # seed 002: always a sales-callback task
        who = await api.verify(account)
        status, filed = await api.post(
            "/api/v1/cancellations",
            filing(account["services"][0]),
            who=who,
            headers={"Idempotency-Key": "k-notify-1"},
        )
        assert status == 201, filed
        notifier = client.server.app[NOTIFIER]
        assert await notifier.deliver_due() == 0  # Slack answers 500
        rows = pending(db, kind="sales_callback")
        assert len(rows) == 1 and filed["confirmation_number"] in rows[0].body
        row = rows[0]
        assert row.status == "pending" and row.attempts >= 1 and row.last_error == "HTTP 500"
        assert row.next_attempt_at > row.created_at  # backed off
        assert slack.posts and "Sales callback" in slack.posts[0]["text"]
        # the filing and its task are there regardless
        assert (
            db.transaction(
                lambda s: s.execute(
                    select(CancellationRequest).where(
                        CancellationRequest.confirmation_number == filed["confirmation_number"]
                    )
                ).scalar_one()
            )
            is not None
        )
        # Slack recovers: the next due attempt goes through
        slack.status = 200
        db.transaction(
            lambda s: s.execute(
                update(StaffNotification)
                .where(StaffNotification.id == row.id)
                .values(next_attempt_at=row.created_at)
            )
        )
        assert await notifier.deliver_due() == 1
        assert pending(db, id=row.id)[0].status == "sent"
    finally:
        await client.close()
        await slack_server.close()


async def test_unreachable_webhook_gives_up_after_max_attempts(db_url, db):
    _clear(db)
    db.transaction(
        lambda s: s.add(StaffNotification(kind="handoff", body="test", status="pending", attempts=0))
    )
    notifier = notify.Notifier(db, "http://127.0.0.1:9/hook", timeout=2)
    await notifier.start()
    try:
        for _ in range(notify.MAX_ATTEMPTS):
            db.transaction(
                lambda s: s.execute(
                    update(StaffNotification)
                    .where(StaffNotification.status == "pending")
                    .values(next_attempt_at=StaffNotification.created_at)
                )
            )
            await notifier.deliver_due()
    finally:
        await notifier.stop()
    row = pending(db, body="test")[-1]
    assert row.status == "failed" and row.attempts == notify.MAX_ATTEMPTS and row.last_error
    assert (
        notify.backoff_seconds(1) == 5
        and notify.backoff_seconds(3) == 20
        and notify.backoff_seconds(20) == 600
    )


async def test_refund_over_the_threshold_notifies_billing_and_queues_a_handoff(api, db, policy):
    _clear(db)
    account = make_account(db)
    who = await api.verify(account)
    status, body = await api.post(
        "/api/v1/refunds",
        {"amount": "1500.00", "reason": "double charge"},
        who=who,
        headers={"Idempotency-Key": "refund-big"},
    )
    assert status == 200 and body["status"] == "under_review"
    notes = pending(db, kind="refund_over_threshold")
    assert len(notes) == 1 and "$1,500.00" in notes[0].body and account["account_number"] in notes[0].body
    handoffs = db.transaction(
        lambda s: list(
            s.execute(select(Handoff).where(Handoff.conversation_id == who["X-Conversation-Id"])).scalars()
        )
    )
    assert len(handoffs) == 1 and handoffs[0].reason == "policy:refund_over_threshold"
    assert handoffs[0].paused is False and handoffs[0].status == "queued"
    # a small refund: a billing task, but no notification and no handoff
    status, body = await api.post(
        "/api/v1/refunds",
        {"amount": "10.00", "reason": "late fee"},
        who=who,
        headers={"Idempotency-Key": "refund-small"},
    )
    assert body["status"] == "credit_processing"
    assert len(pending(db, kind="refund_over_threshold")) == 1
    tasks = db.transaction(
        lambda s: s.execute(select(StaffTask).where(StaffTask.kind == "billing_review")).scalars().all()
    )
    assert len(tasks) >= 2  # cancellations.py's own records are untouched


async def test_sympathetic_filings_notify_nobody(api, db):
    _clear(db)
    account = make_account(db, tier="Essentials")
    who = await api.verify(account)
    status, _ = await api.post(
        "/api/v1/cancellations",
        filing(account["services"][0]),
        who=who,
        headers={"Idempotency-Key": "k-quiet"},
    )
    assert status == 201 and pending(db, status="pending") == []


async def test_unset_webhook_is_logged_once_at_start_up(db_url, db, policy, caplog):
    caplog.set_level(logging.WARNING, logger="backend.handoff.notify")
    client = TestClient(TestServer(create_app(make_settings(db_url), policy=policy, db=db)))
    await client.start_server()
    try:
        await queue_handoff(Api(client))
        await queue_handoff(Api(client))
    finally:
        await client.close()
    warnings = [r for r in caplog.records if "SLACK_STAFF_WEBHOOK_URL is not set" in r.getMessage()]
    assert len(warnings) == 1


async def test_a_slow_webhook_times_out_and_is_retried_later(db):
    """Slack slower than the notifier's timeout: asyncio.TimeoutError (not the built-in
    TimeoutError on Python 3.10) is caught, the row stays pending with a retry time."""
    _clear(db)
    db.transaction(
        lambda s: s.add(StaffNotification(kind="handoff", body="slow-test", status="pending", attempts=0))
    )
    release = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = TestServer(app)
    await server.start_server()
    notifier = notify.Notifier(db, str(server.make_url("/hook")), timeout=0.3)
    await notifier.start()  # its delivery loop picks the row up at once
    try:
        for _ in range(400):  # up to 20 s on a loaded machine
            if pending(db, body="slow-test")[0].last_error:
                break
            await asyncio.sleep(0.05)
    finally:
        release.set()
        await notifier.stop()
        await server.close()
    [row] = pending(db, body="slow-test")
    assert row.status == "pending" and row.attempts == 1 and row.last_error == "TimeoutError"
