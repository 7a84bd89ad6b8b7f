"""Run the Procfile under honcho and, when a process fails, say which one and show its last lines.

honcho interleaves the output of every process and stops them all as soon as one exits, so the
lines that explain a failure are easily scrolled away by the shutdown of the others. This
wrapper passes honcho's output through unchanged, keeps the last lines of each process, and
after honcho stops prints, for every process that exited with an error, its name, exit code
and last log lines. Ctrl-C (SIGINT) and SIGTERM are passed on to honcho, which stops everything.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Deque, Dict, List, Optional

TAIL_LINES = 25
# honcho's lines: "21:40:02 rasa.1    | text" and "21:40:02 system  | rasa.1 stopped (rc=1)"
LINE = re.compile(r"^\S+ (?P<name>[\w.-]+?)(?:\.\d+)?\s*\| ?(?P<text>.*)$")
STOPPED = re.compile(r"^(?P<name>[\w.-]+?)(?:\.\d+)? stopped \(rc=(?P<rc>-?\d+)\)")


class FailureReport:
    """Keeps each process's last lines and the exit codes honcho reports."""

    def __init__(self, tail: int = TAIL_LINES) -> None:
        self.tails: Dict[str, Deque[str]] = collections.defaultdict(lambda: collections.deque(maxlen=tail))
        self.exits: Dict[str, int] = {}
        self.first_exit: Optional[str] = None

    def feed(self, line: str) -> None:
        """Record one line of honcho's output."""
        match = LINE.match(line.rstrip("\n"))
        if not match:
            return
        name, text = match["name"], match["text"]
        if name == "system":
            stopped = STOPPED.match(text)
            if stopped:
                self.exits.setdefault(stopped["name"], int(stopped["rc"]))
                self.first_exit = self.first_exit or stopped["name"]
            return
        self.tails[name].append(text)

    def failures(self, stopping: bool) -> List[str]:
        """Processes that failed: the one whose exit stopped the others, or any non-zero exit
        when nobody asked to stop (processes killed by our own SIGTERM are not failures)."""
        failed = []
        for name, rc in self.exits.items():
            if stopping and rc in (0, -signal.SIGTERM, -signal.SIGINT):
                continue
            if rc != 0 or (not stopping and name == self.first_exit):
                failed.append(name)
        return failed

    def render(self, name: str) -> str:
        """The failure message for one process."""
        lines = "\n".join(f"    {line}" for line in self.tails.get(name, [])) or "    (no output)"
        return (
            f"\n*** {name} exited with code {self.exits[name]}; every process was stopped. "
            f"Last lines of {name}:\n{lines}\n"
        )


def main(argv: List[str]) -> int:
    procfile = argv[0] if argv else "Procfile"
    honcho = Path(sys.executable).parent / "honcho"
    process = subprocess.Popen(
        [
            str(honcho),
            "--no-colour",
            "start",
            "-f",
            procfile,
            # scripts/run.sh already exported .env, below the environment:
            # honcho's own .env loading would override the environment
            "--env",
            os.devnull,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        errors="replace",
    )
    report = FailureReport()
    stopping = False

    def forward(signum, _frame):
        nonlocal stopping
        stopping = True
        if process.poll() is None:
            process.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        report.feed(line)
    rc = process.wait()
    failed = report.failures(stopping)
    for name in failed:
        sys.stderr.write(report.render(name))
    if failed:
        return 1
    return 0 if stopping else rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
