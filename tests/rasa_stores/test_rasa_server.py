"""bot.rasa_server: the patches are installed in the running Rasa server by the launcher (seen in
what the server does: a button payload runs no NLU graph), leaving a group out takes it out, and
a Rasa release other than the pinned one gets no patch."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import rasa_speedups
from devstack.stack import ROOT, Stack

pytestmark = pytest.mark.slow


NLU_GRAPH_RUN = "targets: ['run_RegexMessageHandler']"  # Rasa's debug line of an NLU graph run


@pytest.fixture(scope="module")
def debug_stack(trained_model, tmp_path_factory):
    """A stack whose Rasa logs at debug level (every graph run is logged with its targets)."""
    with Stack(tmp_path_factory.mktemp("launcher"), trained_model, env={"LOG_LEVEL": "DEBUG"}) as stack:
        yield stack


def _nlu_graph_runs(stack: Stack, sender: str, text: str) -> int:
    """NLU graph runs the Rasa server logged while answering ``text``."""
    log = stack.workdir / "rasa.log"
    before = log.stat().st_size
    assert stack.say(sender, text), text
    with log.open("rb") as read:
        read.seek(before)
        return read.read().decode(errors="replace").count(NLU_GRAPH_RUN)


def test_the_nlu_graph_is_warmed_up_at_start(debug_stack):
    """bot/nlu_warmup.py: the server parses one text as it starts, before any customer wrote
    (without it the first customer after a start waited 4 to 5 s for TensorFlow's tracing). This
    test runs first on a fresh server: any NLU graph run in its log is the warm-up's."""
    log_file = debug_stack.workdir / "rasa.log"
    deadline = time.monotonic() + 120
    while NLU_GRAPH_RUN not in log_file.read_text(errors="replace"):
        assert time.monotonic() < deadline, log_file.read_text(errors="replace")[-3000:]
        time.sleep(0.5)
    assert "NLU warm-up failed" not in log_file.read_text(errors="replace")


def test_running_server_has_the_kept_patches_and_a_left_out_group_is_out(debug_stack):
    stack = debug_stack
    log = (stack.workdir / "rasa.log").read_text(errors="replace")
    assert f"Rasa {rasa_speedups.PINNED_RASA}, speed patches: {', '.join(rasa_speedups.KEPT)}" in log
    assert "was not started with" not in log  # the tracker store saw the launcher's install

    # fix 12 in the running server: a button payload is answered without running the NLU graph
    assert _nlu_graph_runs(stack, "launcher-kept", "hello") >= 1
    assert _nlu_graph_runs(stack, "launcher-kept", "/greet") == 0

    stack.restart_rasa({"RASA_SPEEDUPS_OFF": "payloads"})
    log = (stack.workdir / "rasa.log").read_text(errors="replace")
    assert "(left out: payloads)" in log
    assert _nlu_graph_runs(stack, "launcher-off", "/greet") >= 1  # Rasa's own: the graph runs


def test_tracker_store_warns_when_rasa_was_started_without_the_launcher(monkeypatch, caplog, tmp_path):
    from bot import rasa_server
    from bot.rasa_tracker_store import RedactingTrackerStore

    monkeypatch.setattr(rasa_server, "_started", False)
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    RedactingTrackerStore(url=f"sqlite:///{tmp_path}/tracker.db")
    assert "Rasa was not started with `python -m bot.rasa_server`" in caplog.text


def test_pinned_release_is_the_one_pyproject_pins():
    pin = re.search(r'"rasa==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin and pin.group(1) == rasa_speedups.PINNED_RASA
    assert rasa_speedups.installed_rasa_version() == rasa_speedups.PINNED_RASA


def test_another_rasa_release_gets_no_patch(tmp_path: Path):
    # a distribution record of another release found first, as after an upgrade of rasa alone
    record = tmp_path / "rasa-3.6.22.dist-info"
    record.mkdir()
    (record / "METADATA").write_text("Metadata-Version: 2.1\nName: rasa\nVersion: 3.6.22\n")
    probe = (
        "from bot import rasa_server\n"
        "from rasa.core.actions.action import RemoteAction\n"
        "from rasa.core.processor import MessageProcessor\n"
        "print('installed:', rasa_server.install())\n"
        "print(RemoteAction._validate_action_result.__module__, "
        "MessageProcessor._parse_message_with_graph.__module__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "installed: []" in done.stdout
    assert "rasa.core.actions.action rasa.core.processor" in done.stdout
    assert "written for Rasa 3.6.21, found 3.6.22; no speed patch applied" in done.stderr
