"""The whole assistant as real processes on free ports, for end-to-end tests and the benchmark.

``Stack`` starts the backend store (fresh SQLite database seeded with the demo data), the action
server and the Rasa server with a trained model, waits until each answers, and stops them all.
Logs go to ``<workdir>/<process>.log`` and the tail is shown when a process fails to start.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from devstack.vendors import VendorStandIn, vendor_env

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# `cancel-backend` of this interpreter, run from the source tree (not the installed entry point)
BACKEND_CLI = [sys.executable, "-m", "backend.cli"]


def free_port() -> int:
    """Return a TCP port that is free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(
    method: str,
    url: str,
    body: Optional[dict] = None,
    headers: Optional[dict] = None,
    timeout: float = 30,
    opener=None,
) -> tuple[int, object]:
    """Send a JSON request; return (status, decoded body or text).

    ``opener`` (a urllib opener, e.g. with a cookie jar) replaces the default one."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with (opener.open if opener else urllib.request.urlopen)(request, timeout=timeout) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_answering(
    name: str,
    url: str,
    process: subprocess.Popen,
    deadline: float,
    ok: Callable[[int, object], bool] = lambda status, body: status == 200,
    log: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``url`` until ``ok(status, body)``; raise with ``log()`` if ``process`` exits first
    or the ``time.monotonic()`` ``deadline`` passes."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log()}")
        try:
            status, body = http_json("GET", url, timeout=2)
            if ok(status, body):
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer at {url} in time:\n{log()}")


def spawn_backend(env: Dict[str, str], port: int, *, cwd: Path = ROOT, **popen: Any) -> subprocess.Popen:
    """Seed the database named by ``env`` (``cancel-backend seed`` migrates first) and start
    ``cancel-backend serve`` on ``127.0.0.1:port``; ``popen`` goes to ``subprocess.Popen``."""
    subprocess.run(BACKEND_CLI + ["seed"], env=env, cwd=cwd, check=True, capture_output=True, timeout=120)
    return subprocess.Popen(
        BACKEND_CLI + ["serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=cwd, **popen
    )


def start_backend(
    env: Dict[str, str], port: int, *, cwd: Path = ROOT, timeout: float = 60, **popen: Any
) -> subprocess.Popen:
    """``spawn_backend``, then wait until its ``/health`` answers (the process is stopped and
    its stderr, if piped, shown when it does not)."""
    process = spawn_backend(env, port, cwd=cwd, **popen)

    def log() -> str:
        process.kill()
        stream = process.stderr or (process.stdout if popen.get("stderr") == subprocess.STDOUT else None)
        return stream.read().decode(errors="replace")[-2000:] if stream else ""

    wait_answering("backend", f"http://127.0.0.1:{port}/health", process, time.monotonic() + timeout, log=log)
    return process


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate ``process``; kill it if it has not ended after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Stack:
    """Backend, action server and Rasa server for one test session."""

    def __init__(
        self,
        workdir: Path,
        model: Path,
        *,
        env: Optional[Dict[str, str]] = None,
        credentials: Optional[Path] = None,
        endpoints_file: Optional[Path] = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.model = Path(model)
        self.token = secrets.token_urlsafe(16)
        self.rasa_token = secrets.token_urlsafe(16)
        self.action_token = secrets.token_urlsafe(16)
        # The REST channel needs a bearer token (bot/channels/rest.py). It is put in this
        # process's environment too, so that load generators (bench.load) send it.
        self.rest_token = os.environ.setdefault("REST_CHANNEL_TOKEN", secrets.token_urlsafe(16))
        self.backend_port, self.action_port, self.rasa_port = free_port(), free_port(), free_port()
        # Twilio and Slack web APIs: local stand-ins; both channels are configured against them
        self.vendors = VendorStandIn(free_port())
        self.backend_url = f"http://127.0.0.1:{self.backend_port}"
        self.action_url = f"http://127.0.0.1:{self.action_port}"
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.database_url = f"sqlite:///{self.workdir}/backend.sqlite3"
        self.tracker_url = f"sqlite:///{self.workdir}/tracker.sqlite3"
        self.credentials = credentials or ROOT / "credentials.yml"
        # the repository's endpoints file: its ${VARIABLES} come from self.env, as under make run
        self.endpoints_file = endpoints_file or ROOT / "endpoints.yml"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "BACKEND_URL": self.backend_url,
            "BACKEND_HOST": "127.0.0.1",
            "BACKEND_PORT": str(self.backend_port),
            "BACKEND_SERVICE_TOKEN": self.token,
            "IDENTIFIER_HASH_KEY": "stack-identifier-key-" + self.token,
            "DEV_OUTBOX": "1",
            "RASA_PUBLIC_URL": self.rasa_url,
            "RASA_URL": self.rasa_url,
            "RASA_TOKEN": self.rasa_token,
            "TRACKER_DB_URL": self.tracker_url,
            "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
            "RASA_TELEMETRY_ENABLED": "false",
            "REST_CHANNEL_TOKEN": self.rest_token,
            "ACTION_SERVER_TOKEN": self.action_token,
            "ACTION_HOST": "127.0.0.1",
            "ACTION_PORT": str(self.action_port),
            "CONVERSATION_ID_SECRET": secrets.token_urlsafe(16),
            "PYTHONUNBUFFERED": "1",
            **vendor_env(self.vendors.url, f"http://127.0.0.1:{self.rasa_port}", str(self.workdir)),
            **(env or {}),
        }
        self.processes: Dict[str, subprocess.Popen] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def _spawn(self, name: str, args: List[str]) -> None:
        log = open(self.workdir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, name: str, lines: int = 40) -> str:
        """Last lines of a process's log."""
        path = self.workdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def _wait(self, name: str, url: str, deadline: float, ok=lambda status, body: status == 200) -> None:
        wait_answering(name, url, self.processes[name], deadline, ok, log=lambda: self.log_tail(name))

    def start(self, timeout: float = 600) -> "Stack":
        """Seed the database, start the three processes and wait until all answer (Rasa loads
        TensorFlow and the sentence-embedding weights: minutes on a busy shared machine)."""
        self.vendors.start()
        log = open(self.workdir / "backend.log", "ab")
        self.processes["backend"] = spawn_backend(
            self.env, self.backend_port, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        # actions/server.py: loopback, ACTION_PORT, ACTION_SERVER_TOKEN from self.env
        self._spawn("actions", [sys.executable, "-m", "actions.server"])
        self._spawn_rasa()
        deadline = time.monotonic() + timeout
        try:
            self._wait("backend", f"{self.backend_url}/health", deadline)
            self._wait("actions", f"{self.action_url}/health", deadline)
            self._wait_rasa(deadline)
        except Exception:
            self.stop()
            raise
        return self

    def _spawn_rasa(self) -> None:
        # bot/rasa_server.py: Rasa's command line with the project's patches installed first
        self._spawn(
            "rasa",
            [
                sys.executable,
                "-m",
                "bot.rasa_server",
                "run",
                "--enable-api",
                f"--auth-token={self.rasa_token}",
                "--port",
                str(self.rasa_port),
                "--interface",
                "127.0.0.1",
                "--cors",
                "*",
                "--model",
                str(self.model),
                "--endpoints",
                str(self.endpoints_file),
                "--credentials",
                str(self.credentials),
            ],
        )

    def _wait_rasa(self, deadline: float) -> None:
        self._wait(
            "rasa",
            f"{self.rasa_url}/status?token={self.rasa_token}",
            deadline,
            ok=lambda status, body: status == 200 and bool(body.get("model_id")),
        )

    def restart_rasa(self, env: Dict[str, str], timeout: float = 240) -> None:
        """Stop the Rasa server and start it again with ``env`` added to the stack's settings
        (the backend, the action server and the tracker database stay)."""
        process = self.processes.pop("rasa")
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.env = {**self.env, **env}
        self._spawn_rasa()
        self._wait_rasa(time.monotonic() + timeout)

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after 10 s)."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()
        if self.vendors._thread.is_alive():
            self.vendors.stop()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- talking to it ---------------------------------------------------------------------
    def say(self, sender: str, text: str) -> List[dict]:
        """Send one customer message over the REST channel; return the bot's messages."""
        status, body = http_json(
            "POST",
            f"{self.rasa_url}/webhooks/rest/webhook",
            {"sender": sender, "message": text},
            self.rest_headers(),
            timeout=60,
        )
        assert status == 200 and isinstance(body, list), f"REST channel answered {status}: {body}"
        return body

    def rest_headers(self) -> Dict[str, str]:
        """What a trusted client of the REST channel sends."""
        return {"Authorization": f"Bearer {self.rest_token}"}

    def backend(
        self, method: str, path: str, body: Optional[dict] = None, headers: Optional[dict] = None
    ) -> tuple[int, object]:
        """Call the backend API with the service token."""
        return http_json(
            method,
            f"{self.backend_url}{path}",
            body,
            {"Authorization": f"Bearer {self.token}", **(headers or {})},
        )

    def tracker(self, sender: str) -> dict:
        """The stored tracker of a conversation, from Rasa's HTTP API."""
        status, body = http_json(
            "GET", f"{self.rasa_url}/conversations/{sender}/tracker?token={self.rasa_token}"
        )
        assert status == 200 and isinstance(body, dict), body
        return body


def load_fixture(stack: "Stack", path: Path) -> None:
    """Load a customer fixture file into the stack's backend database."""
    subprocess.run(
        [str(BIN / "cancel-backend"), "load", str(path)],
        cwd=ROOT,
        env=stack.env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
