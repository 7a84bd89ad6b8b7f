"""Fresh copies of the repository started the way the README's ``make run`` starts it.

``RunCopy`` copies the project's files (tracked and not ignored, plus the built web assets) into
a new directory, links the installed ``.venv``, and runs ``scripts/run.sh`` there with free ports
from the environment, exactly the script and Procfile a developer runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

from dotenv import dotenv_values

from devstack.stack import ROOT, free_port, http_json

# Built from npm by `make` and ignored by git, but served by the backend.
BUILT_ASSETS = ("backend/web/static", "backend/console/static")
READY = "The cancellation assistant is running"


def project_files(root: Path = ROOT) -> List[str]:
    """The files a clone of the working tree would hold (tracked, and new but not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    return [name for name in out.decode().split("\0") if name and (root / name).is_file()]


def fresh_copy(target: Path, root: Path = ROOT) -> Path:
    """Copy the project into ``target`` with no .env, no models and no var/ (as a clone)."""
    for name in project_files(root):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, destination)
    for folder in BUILT_ASSETS:
        if (root / folder).is_dir():
            shutil.copytree(root / folder, target / folder, dirs_exist_ok=True)
    (target / ".venv").symlink_to(root / ".venv")
    return target


def settings_names(root: Path = ROOT) -> List[str]:
    """Every setting named in .env.example."""
    return [key for key in dotenv_values(root / ".env.example")]


class RunCopy:
    """One fresh copy running ``scripts/run.sh`` (honcho under scripts/run_procfile.py)."""

    def __init__(self, directory: Path, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.directory = directory
        # SMTP_PORT: the local mail sink's (docs/delivery.md), so that two copies never share one
        self.ports = {
            "BACKEND_PORT": free_port(),
            "ACTION_PORT": free_port(),
            "RASA_PORT": free_port(),
            "SMTP_PORT": free_port(),
        }
        env = {key: value for key, value in os.environ.items() if key not in settings_names()}
        self.env = {
            **env,
            **{key: str(port) for key, port in self.ports.items()},
            # the copy's own code, not the tree the .venv was installed from
            "PYTHONPATH": str(directory),
            **(extra_env or {}),
        }
        self.output: List[str] = []
        self.process: Optional[subprocess.Popen] = None
        self._reader: Optional[threading.Thread] = None

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['RASA_PORT']}"

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['BACKEND_PORT']}"

    def start(self) -> "RunCopy":
        """Run scripts/run.sh in the copy; its output is collected line by line."""
        self.process = subprocess.Popen(
            ["bash", "scripts/run.sh"],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.process and self.process.stdout
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.output)

    def wait_for(self, needle: str, timeout: float) -> None:
        """Wait until ``needle`` appears in the output; fail with the output's tail otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text:
                return
            if self.process and self.process.poll() is not None:
                break
            time.sleep(0.5)
        raise AssertionError(
            f"{needle!r} did not appear (exit code {self.process.poll()}):\n" + "\n".join(self.output[-60:])
        )

    def wait_exit(self, timeout: float) -> int:
        """Wait for run.sh to end; return its exit code."""
        assert self.process
        rc = self.process.wait(timeout=timeout)
        if self._reader:
            self._reader.join(timeout=10)
        return rc

    def stop(self, timeout: float = 60) -> int:
        """Ctrl-C, as a developer stops make run; return the exit code."""
        assert self.process
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.wait_exit(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def settings(self) -> Dict[str, Optional[str]]:
        """The .env that the run created in the copy."""
        return dotenv_values(self.directory / ".env")

    def say(self, sender: str, text: str) -> List[dict]:
        """One customer message over the copy's REST channel (with the token from its .env)."""
        token = self.settings()["REST_CHANNEL_TOKEN"]
        status, body = http_json(
            "POST",
            f"{self.rasa_url}/webhooks/rest/webhook",
            {"sender": sender, "message": text},
            timeout=60,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert status == 200, f"REST channel answered {status}: {body}"
        return body

    def backend(self, method: str, path: str) -> tuple:
        """Call the copy's backend API with the token from the copy's .env."""
        token = self.settings()["BACKEND_SERVICE_TOKEN"]
        return http_json(method, f"{self.backend_url}{path}", headers={"Authorization": f"Bearer {token}"})

    def process_lines(self, name: str) -> List[str]:
        """Output lines of one Procfile process (honcho prefixes them with its name)."""
        prefix = re.compile(rf"^\S+ {re.escape(name)}\.\d+\s*\| ?")
        return [prefix.sub("", line) for line in self.output if prefix.match(line)]
