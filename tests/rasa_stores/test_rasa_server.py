"""bot.rasa_server: the patches are installed in the running Rasa server by the launcher (seen
on the wire: action server calls share kept-alive connections), leaving a group out takes it
out, and a Rasa release other than the pinned one gets no patch."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bench import scenario
from bot import rasa_speedups
from tests.stack import ROOT, Stack, free_port, load_fixture

pytestmark = pytest.mark.slow


class CountingProxy:
    """A TCP relay in front of the action server that counts connections and HTTP requests."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.connections = 0
        self.requests = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._relay, "127.0.0.1", self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _relay(self, reader, writer) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pipe(src, dst, count: bool) -> None:
            try:
                while data := await src.read(65536):
                    if count:
                        self.requests += len(re.findall(rb"(?:^|\r\n)POST /webhook", data))
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))

    def reset(self) -> None:
        self.connections = self.requests = 0

    def __enter__(self) -> "CountingProxy":
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def proxied_stack(trained_model, tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("launcher"), trained_model)
    with CountingProxy(stack.action_port) as proxy:
        stack.env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{proxy.port}/webhook"
        with stack:
            load_fixture(stack, scenario.write_accounts(stack.workdir / "accounts.json", 2, first=950))
            yield stack, proxy


def _identify(stack: Stack, sender: str, n: int) -> None:
    """Three quick turns that call the action server (form validation, identification)."""
    for text in ("I want to cancel my internet service", scenario.account_number(n), scenario.zip_code(n)):
        assert stack.say(sender, text), text


def test_running_server_keeps_action_connections_alive_and_a_left_out_group_is_out(proxied_stack):
    stack, proxy = proxied_stack
    log = (stack.workdir / "rasa.log").read_text(errors="replace")
    assert f"Rasa {rasa_speedups.PINNED_RASA}, speed patches: {', '.join(rasa_speedups.KEPT)}" in log
    assert "was not started with" not in log  # the tracker store saw the launcher's install

    proxy.reset()
    _identify(stack, "launcher-kept", 950)
    assert proxy.requests >= 3
    assert proxy.connections < proxy.requests  # one kept-alive session (fix 6)

    stack.restart_rasa({"RASA_SPEEDUPS_OFF": "session"})
    proxy.reset()
    _identify(stack, "launcher-off", 951)
    assert proxy.requests >= 3
    assert proxy.connections == proxy.requests  # Rasa's own: a new session per call


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
        "from rasa.utils.endpoints import EndpointConfig\n"
        "print('installed:', rasa_server.install())\n"
        "print(RemoteAction._validate_action_result.__module__, EndpointConfig.request.__module__)\n"
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
    assert "rasa.core.actions.action rasa.utils.endpoints" in done.stdout
    assert "written for Rasa 3.6.21, found 3.6.22; no speed patch applied" in done.stderr
