"""Fixtures of the delivery tests: a real SMTP server on loopback (the mail sink, aiosmtpd), the
Twilio stand-in of devstack/vendors.py, and the backend app with the delivery settings. Reuses the
backend tests' migrated database per module (tests/backend/conftest.py)."""

from __future__ import annotations

import dataclasses
import socket

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.delivery.mailsink import messages, read, start_sink
from backend.delivery.worker import DELIVERER
from backend.server import create_app
from devstack.vendors import TWILIO_ACCOUNT_SID, TWILIO_NUMBER, VendorStandIn
from tests.backend.conftest import Api, db, db_url, policy, settings  # noqa: F401 (fixtures)

OUTBOX_KEY = "test-outbox-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """The mail sink on a fixed loopback port that a test can stop and start again."""

    def __init__(self, directory):
        self.directory, self.port, self.controller = directory, free_port(), None

    def start(self) -> None:
        self.controller = start_sink(self.directory, port=self.port)

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mail_to(self, address: str):
        return [m for m in (read(p) for p in messages(self.directory)) if m["To"] == address]


@pytest.fixture
def sink(tmp_path):
    s = Sink(tmp_path / "mail")
    s.start()
    yield s
    s.stop()


@pytest.fixture
def twilio():
    stand_in = VendorStandIn(free_port()).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def delivery_settings(settings, sink, twilio):  # noqa: F811
    return dataclasses.replace(
        settings,
        dev_outbox=False,
        outbox_key=OUTBOX_KEY,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_sender="Cancellations <no-reply@test.example>",
        public_url="http://receipts.test",
        twilio_account_sid=TWILIO_ACCOUNT_SID,
        twilio_auth_token="test-twilio-token",
        twilio_number=TWILIO_NUMBER,
        twilio_api_url=twilio.url,
    )


@pytest.fixture
async def app_client(delivery_settings, policy, db):  # noqa: F811
    app = create_app(delivery_settings, policy=policy, db=db)  # with the staff console
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def api(app_client):
    return Api(app_client)


@pytest.fixture
async def deliverer(app_client):
    """The app's delivery worker with its background loop stopped: the test calls deliver_due()."""
    worker = app_client.app[DELIVERER]
    await worker.stop()
    return worker
