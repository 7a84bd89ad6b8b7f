"""The replicated deployment of ``make scale`` as real processes, for the scale test and the
benchmark: N replicas of the backend, the action server and the Rasa server behind HAProxy, with
the Procfile and HAProxy configuration ``scripts/scale.py`` writes, on PostgreSQL (a fresh
backend schema and a fresh tracker database), Redis (own key prefix) and RabbitMQ (own queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional
from urllib.parse import urlparse

import sqlalchemy as sa

from devstack.postgres import migrated_postgres_schema
from devstack.scenario import write_accounts
from devstack.stack import BIN, ROOT, Stack, load_fixture

sys.path.insert(0, str(ROOT / "scripts"))
import scale  # noqa: E402  (scripts/scale.py: the configuration make scale writes)


def haproxy() -> Optional[str]:
    """The HAProxy binary (Debian puts it in /usr/sbin), or None."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")


class Replicated:
    """Every process of the generated Procfile but the mail sink and the ``ready`` printer."""

    def __init__(self, stack: Stack, workdir: Path, replicas: int = 2) -> None:
        self.stack = stack
        self.workdir = workdir
        ports = scale.replica_ports(replicas)
        public = {
            "backend": ("127.0.0.1", stack.backend_port),
            "actions": ("127.0.0.1", stack.action_port),
            "rasa": ("127.0.0.1", stack.rasa_port),
        }
        cfg = workdir / "haproxy.cfg"
        cfg.write_text(scale.haproxy_config(public, ports))
        self.commands: Dict[str, str] = {}
        for line in scale.procfile((ROOT / "Procfile").read_text(), ports, cfg).splitlines():
            name, _, command = line.partition(":")
            if name not in ("mailsink", "ready"):
                self.commands[name] = command.strip()
        self.processes: Dict[str, subprocess.Popen] = {}

    def spawn(self, name: str) -> None:
        log = open(self.workdir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            ["bash", "-c", self.commands[name]],
            cwd=ROOT,
            env=self.stack.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        """SIGKILL: the replica dies mid-request, as on a crash."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait()

    def start(self) -> None:
        for name in self.commands:
            self.spawn(name)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def wait_up(self, names: List[str], timeout: float = 300) -> None:
        """Wait until each of ``names`` answers on its own port."""
        deadline = time.monotonic() + timeout
        for name in names:
            command = self.commands[name]
            port = command.split("_PORT=")[1].split()[0]
            path = "/" if name.startswith("rasa") else "/health"
            while True:
                if self.processes[name].poll() is not None:
                    log = (self.workdir / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} exited:\n{log}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer in time")
                time.sleep(0.5)

    def wait_balanced(self, timeout: float = 60) -> None:
        """Wait until HAProxy passes requests to every kind (it checks every 2 s), the widget's
        sockets (a backend of their own) included."""
        stack = self.stack
        deadline = time.monotonic() + timeout
        for url in (
            f"{stack.rasa_url}/",
            f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling",
            f"{stack.backend_url}/health",
            f"{stack.action_url}/health",
        ):
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"HAProxy does not pass {url} on")
                time.sleep(0.5)

    def pids(self) -> Dict[str, List[int]]:
        """Process ids of each kind (replicas together), for CPU and memory figures."""
        kinds: Dict[str, List[int]] = {}
        for name, process in self.processes.items():
            kinds.setdefault(name.rstrip("0123456789"), []).append(process.pid)
        return kinds


@contextlib.contextmanager
def fresh_postgres_database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database on the server of ``admin_url`` (for Rasa's tracker store and
    the SMS store), dropped afterwards."""
    name = f"rasa_scale_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


async def _delete_queue(amqp_url: str, queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)


@contextlib.contextmanager
def replicated_stack(
    workdir: Path,
    model: Path,
    *,
    postgres_url: str,
    redis_url: str,
    amqp_url: str,
    replicas: int = 2,
    customers: int = 0,
) -> Iterator[Replicated]:
    """Start the replicated stack with ``customers`` synthetic accounts (devstack/scenario.py) and
    wait until every replica answers; stop it and drop its databases and queue afterwards."""
    binary = haproxy()
    if binary is None:
        raise RuntimeError("HAProxy is not installed (make haproxy)")
    redis = urlparse(redis_url)
    amqp = urlparse(amqp_url)
    queue = f"rasa_events_scale_{uuid.uuid4().hex[:8]}"
    with (
        migrated_postgres_schema(postgres_url, "t_scale_") as backend_db,
        fresh_postgres_database(postgres_url) as rasa_db,
    ):
        stack = Stack(
            workdir,
            model,
            endpoints_file=ROOT / "endpoints.prod.yml",
            env={
                "DATABASE_URL": backend_db,
                "TRACKER_DB_URL": rasa_db,
                "SMS_STORE_URL": rasa_db,
                "RASA_ENDPOINTS": "endpoints.prod.yml",
                "RASA_MODEL": str(model),
                "RASA_HOST": "127.0.0.1",
                "REDIS_HOST": redis.hostname or "127.0.0.1",
                "REDIS_PORT": str(redis.port or 6379),
                "REDIS_LOCK_DB": (redis.path or "/0").strip("/") or "0",
                "REDIS_URL": redis_url,
                "REDIS_KEY_PREFIX": f"test_scale_{uuid.uuid4().hex[:8]}",
                "RABBITMQ_HOST": amqp.hostname or "127.0.0.1",
                "RABBITMQ_PORT": str(amqp.port or 5672),
                "RABBITMQ_USER": amqp.username or "guest",
                "RABBITMQ_PASSWORD": amqp.password or "guest",
                "RABBITMQ_QUEUE": queue,
                "PATH": f"{os.environ.get('PATH', '')}:{Path(binary).parent}",
                "SMTP_HOST": "",
            },
        )
        subprocess.run(
            [str(BIN / "cancel-backend"), "seed"],
            cwd=ROOT,
            env=stack.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if customers:
            load_fixture(stack, write_accounts(workdir / "accounts.json", customers))
        stack.vendors.start()
        running = Replicated(stack, workdir, replicas)
        running.start()
        try:
            running.wait_up(list(running.commands.keys() - {"haproxy"}))
            running.wait_balanced()
            yield running
        finally:
            running.stop()
            stack.vendors.stop()
            asyncio.run(_delete_queue(amqp_url, queue))
