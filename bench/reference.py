"""The reference assistant: the stock bot that ``rasa init`` creates, with Rasa's default config."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import List

from devstack.stack import free_port, http_json

BIN = Path(sys.executable).parent

# Same load shape as a cancellation: as many turns, cycling through what the stock bot knows.
MOODBOT_TURNS = [
    "hello",
    "I am sad",
    "yes",
    "great, thanks",
    "bye",
    "hi there",
    "very good",
    "no",
    "are you a bot?",
    "goodbye",
]


def create(workdir: Path) -> float:
    """Create and train the stock assistant in ``workdir``; return the training seconds."""
    workdir.mkdir(parents=True, exist_ok=True)  # `rasa init --init-dir` refuses a missing folder
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(workdir)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


class ReferenceServer:
    """``rasa run`` on the stock assistant's model, REST channel only."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.first_answer_s: float | None = None

    def start(self, timeout: float = 240) -> "ReferenceServer":
        started = time.perf_counter()
        log = open(self.workdir / "rasa.log", "ab")
        self.process = subprocess.Popen(
            [
                str(BIN / "rasa"),
                "run",
                "--port",
                str(self.port),
                "--model",
                "models",
                "--credentials",
                "credentials.yml",
            ],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"reference Rasa exited: see {self.workdir}/rasa.log")
            try:
                status, body = http_json(
                    "POST",
                    f"{self.url}/webhooks/rest/webhook",
                    {"sender": "warmup", "message": "hello"},
                    timeout=5,
                )
                if status == 200 and body:
                    self.first_answer_s = time.perf_counter() - started
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("reference Rasa did not answer in time")

    def pids(self) -> List[int]:
        return [self.process.pid] if self.process else []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def moodbot_customer(say, number: int, turns: int = 10) -> bool:
    """One reference customer: ``turns`` messages; done when the server took every turn.

    A turn the stock bot answers with silence (its TED policy may predict ``action_listen``
    for a message, depending on its training run) was processed all the same: only an HTTP
    error (raised by ``say``) makes a failed conversation."""
    for i in range(turns):
        await say(MOODBOT_TURNS[i % len(MOODBOT_TURNS)])
    return True
