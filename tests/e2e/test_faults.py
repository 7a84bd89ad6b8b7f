"""Issue 14: faults end in an honest answer, never silence, and nothing is filed twice. A stack of
its own (processes are stopped and killed here): the backend frozen while the customer confirms
(the filing reaches it only after the action gave up), the backend's database locked by another
writer while the customer confirms, the action server killed before the customer confirms and
while the filing it sent waits in the backend, then restarted."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from devstack.conversation import Customer
from devstack.stack import Stack, http_json
from tests.sockets import unread_bytes

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


def _restart_actions(stack) -> None:
    stack._spawn("actions", [sys.executable, "-m", "actions.server"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if http_json("GET", f"{stack.action_url}/health", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError("the action server did not come back:\n" + stack.log_tail("actions"))


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


def test_database_locked_while_filing_then_yes_gets_the_number_filed_once(faulty_stack):
    """Issue 14: with the backend's database locked for 14 s the customer saw nothing. Another
    writer holds SQLite's write lock while the customer confirms: the backend waits for it, the
    action gives up and says so; once the lock is released the filing commits and the next "yes"
    gets its number."""
    stack = faulty_stack
    customer = _to_summary(stack, "10000001", "1111", "I want to cancel my hosting")
    path = sa.engine.make_url(stack.database_url).database
    locker = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        answer = customer.say("yes")  # the action waits 3 s for the backend, then answers
        assert _filed(stack, "SVC-1001") == []  # nobody could write while the lock was held
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert "can't confirm yet" in answer and customer.confirmation_number() is None, answer
    deadline = time.monotonic() + 30
    while not _filed(stack, "SVC-1001") and time.monotonic() < deadline:
        time.sleep(0.3)
    filed = _filed(stack, "SVC-1001")
    assert len(filed) == 1
    customer.say("yes")
    assert customer.confirmation_number() == filed[0], customer.text
    assert _filed(stack, "SVC-1001") == filed


def test_action_server_killed_then_yes_files_once(faulty_stack):
    stack = faulty_stack
    customer = _to_summary(stack, "10000005", "5555", "I want to cancel my backup service")
    actions = stack.processes["actions"]
    os.killpg(actions.pid, signal.SIGKILL)
    actions.wait(timeout=10)
    answer = customer.say("yes")
    assert "isn't answering" in answer, answer  # not silence
    assert _filed(stack, "SVC-5001") == []
    _restart_actions(stack)
    customer.say("yes")
    number = customer.confirmation_number()
    assert number and _filed(stack, "SVC-5001") == [number], customer.text


def test_action_server_killed_while_filing_then_yes_gets_the_number_filed_once(faulty_stack):
    """Issue 14: the action server killed during the filing left the customer in silence. The
    backend is frozen; once the filing request waits unread in its socket (the action server sent
    it and waits for the answer) the action server is killed and the backend resumed: the backend
    files, the customer is told the system isn't answering; after the restart their "yes" gets
    the number of the request already filed."""
    stack = faulty_stack
    customer = _to_summary(stack, "10000008", "8888", "I want to cancel my email")
    backend, actions = stack.processes["backend"], stack.processes["actions"]
    port = urlparse(stack.backend_url).port
    os.killpg(backend.pid, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(1) as pool:
            turn = pool.submit(customer.say, "yes")
            deadline = time.monotonic() + 60
            while not unread_bytes(port):
                assert time.monotonic() < deadline and not turn.done(), "the filing never reached the backend"
                time.sleep(0.02)
            os.killpg(actions.pid, signal.SIGKILL)
            actions.wait(timeout=10)
            os.killpg(backend.pid, signal.SIGCONT)
            answer = turn.result(timeout=120)
    finally:
        os.killpg(backend.pid, signal.SIGCONT)
    assert "isn't answering" in answer and customer.confirmation_number() is None, answer
    deadline = time.monotonic() + 30
    while not _filed(stack, "SVC-8001") and time.monotonic() < deadline:
        time.sleep(0.3)
    filed = _filed(stack, "SVC-8001")
    assert len(filed) == 1  # the backend filed what the killed action server had sent
    _restart_actions(stack)
    customer.say("yes")
    assert customer.confirmation_number() == filed[0], customer.text
    assert _filed(stack, "SVC-8001") == filed
