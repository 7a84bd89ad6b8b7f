"""Issue 14: faults end in an honest answer, never silence, and nothing is filed twice. A stack of
its own (processes are stopped and killed here): the backend frozen while the customer confirms
(the filing reaches it only after the action gave up), the action server killed and restarted."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest
import sqlalchemy as sa

from devstack.conversation import Customer
from devstack.stack import Stack, http_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faulty_stack(trained_model, tmp_path_factory):
    with Stack(
        tmp_path_factory.mktemp("faults"), trained_model, env={"BACKEND_TIMEOUT_SECONDS": "3"}
    ) as stack:
        yield stack


def _filed(stack, service_id):
    engine = sa.create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            return [
                row[0]
                for row in conn.execute(
                    sa.text("select confirmation_number from cancellation_requests where service_id = :s"),
                    {"s": service_id},
                )
            ]
    finally:
        engine.dispose()


def _to_summary(stack, account, factor, wish):
    customer = Customer(stack.say)
    customer.say(wish)
    customer.say(account)
    customer.say(factor)
    customer.say("just cancel it")
    assert "summary" in customer.text.lower(), customer.text
    return customer


def test_backend_frozen_while_filing_then_yes_gets_the_number_filed_once(faulty_stack):
    stack = faulty_stack
    customer = _to_summary(stack, "10000003", "3333", "cancel my internet")
    backend = stack.processes["backend"]
    os.killpg(backend.pid, signal.SIGSTOP)
    try:
        answer = customer.say("yes")  # the action waits 3 s for the backend, then answers
    finally:
        os.killpg(backend.pid, signal.SIGCONT)
    assert "can't confirm yet" in answer and customer.confirmation_number() is None, answer
    # the request the action sent is handled now that the backend runs again
    deadline = time.monotonic() + 30
    while not _filed(stack, "SVC-3001") and time.monotonic() < deadline:
        time.sleep(0.3)
    filed = _filed(stack, "SVC-3001")
    assert len(filed) == 1
    customer.say("yes")
    assert customer.confirmation_number() == filed[0], customer.text
    assert _filed(stack, "SVC-3001") == filed  # not filed twice


def test_action_server_killed_then_yes_files_once(faulty_stack):
    stack = faulty_stack
    customer = _to_summary(stack, "10000005", "5555", "I want to cancel my backup service")
    actions = stack.processes["actions"]
    os.killpg(actions.pid, signal.SIGKILL)
    actions.wait(timeout=10)
    answer = customer.say("yes")
    assert "isn't answering" in answer, answer  # not silence
    assert _filed(stack, "SVC-5001") == []
    stack._spawn("actions", [sys.executable, "-m", "actions.server"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if http_json("GET", f"{stack.action_url}/health", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    customer.say("yes")
    number = customer.confirmation_number()
    assert number and _filed(stack, "SVC-5001") == [number], customer.text
