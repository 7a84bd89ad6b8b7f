"""The README's run command, run the way a newcomer runs it, in fresh copies of the repository.

The first copy has no .env, no model and no database: ``scripts/run.sh`` (what ``make run`` runs
after installing) creates the settings, seeds the database, trains the model and starts the
Procfile; a customer then cancels a service over REST and the request is in that copy's
database. A second copy on other ports runs at the same time and neither sees the other. A
process that fails under the Procfile runner is named with its last log lines. These tests run
first (tests/conftest.py): the model the first copy trains is kept for the rest of the suite, so
the model is still trained once per test run.
"""

from __future__ import annotations

import shutil
import socket

import pytest
import sqlalchemy as sa

from devstack.conversation import Customer
from devstack.stack import ROOT, free_port, http_json
from tests.e2e.test_rasa_shell import Terminal
from tests.run_path.copies import READY, RunCopy, fresh_copy
from tests.sockets import LOOPBACK_V4, listening_addresses

pytestmark = pytest.mark.run_path


def _rows(copy: RunCopy, query: str) -> list:
    """First column of ``query`` in the copy's own backend database."""
    engine = sa.create_engine(f"sqlite:///{copy.directory / 'var' / 'backend.sqlite3'}")
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def _filed(copy: RunCopy) -> list:
    """Confirmation numbers in the copy's own backend database."""
    return _rows(copy, "SELECT confirmation_number FROM cancellation_requests")


def _cancel(copy: RunCopy, sender: str, identifier: str, factor: str) -> str:
    customer = Customer(copy.say, sender=sender)
    customer.say("hi, I want to cancel my service")
    customer.say(identifier)
    customer.say(factor)
    customer.say("just cancel it")
    customer.say("yes")
    number = customer.confirmation_number()
    assert number, "\n".join(customer.transcript)
    return number


def _port_closed(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A fresh copy started with make run's script: settings, seed, training, processes."""
    directory = fresh_copy(tmp_path_factory.mktemp("first-run"))
    assert not (directory / ".env").exists() and not (directory / "models").exists()
    copy = RunCopy(directory).start()
    try:
        copy.wait_for(READY, timeout=900)
        yield copy
    finally:
        copy.stop()


def test_first_make_run_answers_a_cancellation(first_run):
    model = next((first_run.directory / "models").glob("assistant-*.tar.gz"))
    # the model this run trained serves the rest of the suite (trained once per test run)
    cached = ROOT / "models" / model.name
    if not cached.exists():
        cached.parent.mkdir(exist_ok=True)
        shutil.copy2(model, cached.with_suffix(".partial"))
        cached.with_suffix(".partial").rename(cached)
    assert f"Rasa REST channel:           {first_run.rasa_url}" in first_run.text
    # the API reference is listed, and a developer reads it without a token (the API needs one)
    assert f"Backend API reference:       {first_run.backend_url}/docs/api" in first_run.text
    status, _ = http_json("GET", f"{first_run.backend_url}/openapi.json")
    assert status == 401
    status, spec = http_json("GET", f"{first_run.backend_url}/docs/openapi.json")
    assert status == 200 and "/api/v1/cancellations" in spec["paths"]
    number = _cancel(first_run, "newcomer-1", "erin@example.com", "02139")
    assert number in _filed(first_run)  # beside the demo history make run seeds for the reports


def test_the_logs_hold_no_dependency_noise_and_no_errors(first_run):
    """After start-up and a cancellation (the reason question included): no deprecation
    warnings of pinned dependencies, no interpolator tracebacks, no errors."""
    customer = Customer(first_run.say, sender="newcomer-reason")
    customer.say("I want to cancel")
    customer.say("grace@example.com")
    customer.say("60614")
    # the reason question (a templated response whose button payloads carry braces)
    assert [b["title"] for b in customer.buttons][:2] == ["Too expensive", "I'm moving"], customer.transcript
    assert customer.buttons[0]["payload"] == '/give_reason{"reason":"price"}'
    customer.click("Too expensive")
    # the reason was taken: the question is not asked again, and the payload was understood
    assert customer.text and "May I ask why" not in customer.text, customer.transcript
    assert "didn't understand" not in customer.text, customer.transcript
    lines = [line for name in ("backend", "actions", "rasa") for line in first_run.process_lines(name)]
    assert lines, first_run.text[-2000:]
    noise = [line for line in lines if "site-packages" in line and "Warning" in line]
    assert noise == [], "\n".join(noise)
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    assert errors == [], "\n".join(errors)


def test_the_procfile_starts_rasa_with_the_kept_patches(first_run):
    """The Procfile starts Rasa through bot/rasa_server.py: the kept speed patches are installed
    and the tracker store does not warn of a Rasa started without them."""
    from bot.rasa_speedups import KEPT, PINNED_RASA

    lines = first_run.process_lines("rasa")
    assert any(f"Rasa {PINNED_RASA}, speed patches: {', '.join(KEPT) or 'none'}" in line for line in lines)
    assert not [line for line in lines if "was not started with" in line]


def test_rasa_and_the_action_server_listen_on_loopback_only(first_run):
    """Issue 14: under make run Rasa and the action server listened on every interface. With the
    settings make run writes, both listen on 127.0.0.1 only (a deployment's proxy is the way in)."""
    for name in ("RASA_PORT", "ACTION_PORT"):
        assert listening_addresses(first_run.ports[name]) == {LOOPBACK_V4}, name


def test_make_shell_uses_this_copys_processes(first_run):
    """scripts/shell.sh (make shell) beside the running copy: Rasa's shell reaches the copy's
    action server through endpoints.yml and the settings (no port of its own is 5055), which
    asks the copy's backend; the menu shows button titles; the log shows no dependency noise."""
    env = {
        **first_run.env,
        "SHELL_PORT": str(free_port()),
        "TERM": "xterm",
        "COLUMNS": "200",
        "LINES": "50",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    assert "ACTION_ENDPOINT_URL" not in env and 5055 not in first_run.ports.values()
    before = _rows(first_run, "SELECT channel FROM verification_attempts")
    terminal = Terminal(["bash", "scripts/shell.sh"], env, cwd=first_run.directory)
    try:
        terminal.read_until(r"Your input ->", timeout=600)
        terminal.type("I want to cancel\r")
        terminal.read_until(r"account number", timeout=120)
        terminal.type("grace@example.com\r")
        screen = terminal.read_until(r"Type out your own message", timeout=120)
        assert "1: Send me a code" in screen and "request_code" not in screen, screen
    finally:
        terminal.close()
    # the verification the shell's conversation started is in this copy's database
    assert _rows(first_run, "SELECT channel FROM verification_attempts") == [*before, "cmdline"]
    noise = [line for line in terminal.screen.splitlines() if "site-packages" in line and "Warning" in line]
    assert noise == [], "\n".join(noise)
    assert " ERROR " not in terminal.screen and "Traceback" not in terminal.screen, terminal.screen[-3000:]


def test_two_copies_on_other_ports_do_not_see_each_other(first_run, tmp_path_factory):
    directory = fresh_copy(tmp_path_factory.mktemp("second-run"))
    (directory / "models").mkdir()
    for model in (first_run.directory / "models").glob("assistant-*.tar.gz"):
        shutil.copy2(model, directory / "models" / model.name)
    second = RunCopy(directory).start()
    try:
        second.wait_for(READY, timeout=600)
        assert set(second.ports.values()).isdisjoint(first_run.ports.values())
        before = set(_filed(first_run))
        number = _cancel(second, "newcomer-2", "10000003", "60614")
        # the second copy's Rasa used its own action server, which filed in its own backend
        assert number in _filed(second)
        assert set(_filed(first_run)) == before and number not in before
        assert "newcomer-2" not in "\n".join(first_run.process_lines("actions"))
    finally:
        assert second.stop() == 0, second.text[-3000:]
        assert "SIGKILL" not in second.text, second.text[-3000:]
    for port in second.ports.values():
        assert _port_closed(port), f"port {port} still open after Ctrl-C"


def test_ctrl_c_stops_every_process(first_run):
    rc = first_run.stop()
    assert rc == 0, first_run.text[-3000:]
    for port in first_run.ports.values():
        assert _port_closed(port), f"port {port} still open after Ctrl-C"
    assert "exited with code" not in first_run.text
    # every process stopped on honcho's SIGTERM, none had to be killed (Rasa's teardown was)
    assert "SIGKILL" not in first_run.text, first_run.text[-3000:]
    # a clean stop: no error while the processes shut down (an unclosed backend session was one)
    lines = [
        line for name in ("backend", "actions", "rasa", "mailsink") for line in first_run.process_lines(name)
    ]
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    assert errors == [], "\n".join(errors)


def test_a_failing_process_is_named_with_its_last_lines(first_run, tmp_path_factory):
    """The action server cannot bind its port: the runner says so, and what the server said."""
    directory = fresh_copy(tmp_path_factory.mktemp("failing-run"))
    (directory / "models").mkdir()
    for model in (first_run.directory / "models").glob("assistant-*.tar.gz"):
        shutil.copy2(model, directory / "models" / model.name)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        copy = RunCopy(directory, extra_env={"ACTION_PORT": str(taken.getsockname()[1])}).start()
        rc = copy.wait_exit(timeout=300)
    assert rc != 0
    assert "*** actions exited with code" in copy.text, copy.text[-3000:]
    report = copy.text[copy.text.index("*** actions exited with code") :]
    assert "address already in use" in report.lower() or "errno 98" in report.lower(), report
