"""``make shell``'s terminal chat shows button titles, and choosing one sends its payload.

Runs scripts/rasa_shell.py (what scripts/shell.sh starts) in a pseudo-terminal against the test
stack's action server and backend, as a developer would type in it.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from devstack.stack import ROOT, free_port

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[()][0-9A-Za-z]|\r")


class Terminal:
    """A process on a pseudo-terminal: type into it, wait for what it shows."""

    def __init__(self, args, env, cwd=ROOT) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
        )
        os.close(slave)
        self.screen = ""

    def read_until(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        start = len(self.screen)
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    self.screen += ANSI.sub("", os.read(self.master, 65536).decode(errors="replace"))
                except OSError:
                    break
            if re.search(pattern, self.screen[start:]):
                return self.screen[start:]
        raise AssertionError(f"{pattern!r} not shown; screen ends with:\n{self.screen[-3000:]}")

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        os.close(self.master)


@pytest.mark.slow
def test_shell_menu_shows_titles_and_sends_the_payload(stack, tmp_path):
    env = {
        **stack.env,
        "TERM": "xterm",
        "COLUMNS": "200",
        "LINES": "50",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "TRACKER_DB_URL": f"sqlite:///{tmp_path}/shell-tracker.sqlite3",
    }
    terminal = Terminal(
        [
            sys.executable,
            "scripts/rasa_shell.py",
            "shell",
            "--model",
            str(stack.model),
            "--endpoints",
            str(ROOT / "endpoints.yml"),
            "-p",
            str(free_port()),
        ],
        env,
    )
    try:
        terminal.read_until(r"Your input ->", timeout=240)
        terminal.type("I want to cancel\r")
        terminal.read_until(r"account number", timeout=60)
        terminal.type("grace@example.com\r")
        screen = terminal.read_until(r"Type out your own message", timeout=60)
        assert "1: Send me a code" in screen and "request_code" not in screen, screen
        terminal.type("\x1b[B\r")  # down to "Type out your own message...", Enter
        terminal.read_until(r"Your input ->", timeout=30)
        terminal.type("60614\r")
        screen = terminal.read_until(r"1: Too expensive", timeout=60)
        assert "give_reason" not in screen and "/deny" not in screen, screen
        terminal.type("\r")  # the first entry, "1: Too expensive"
        screen = terminal.read_until(r"(?i)offer|thanks for telling", timeout=60)
        assert "Sorry, I didn't understand" not in screen, screen
    finally:
        terminal.close()
