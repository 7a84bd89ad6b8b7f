"""The replicated deployment of ``make scale`` (docs/deployment.md): settings, Procfile, HAProxy.

``scale.py env``: ``export`` lines (for ``eval`` after scripts/settings_env.py) that put the
shared state on the shared engines: a SQLite URL left from ``make run`` is replaced by this
machine's PostgreSQL (``SCALE_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432``;
databases ``cancel_assistant`` for the backend and ``cancel_assistant_rasa`` for Rasa's tracker
and the SMS/Slack store, created when missing), ``REDIS_URL`` is derived from the lock store's
``REDIS_HOST``/``REDIS_PORT``/``REDIS_LOCK_DB`` (every process of the Procfile inherits these
exports: the Rasa servers share Slack ids and socket.io messages through it, the backends the
staff console's live events) and Rasa uses ``endpoints.prod.yml``.

``scale.py files N DIR``: writes ``DIR/Procfile`` (the repository's Procfile with N copies of
the backend, the action server and the Rasa server, each on a free port, plus HAProxy on the
public ports) and ``DIR/haproxy.cfg`` (round robin, no stickiness, health checks).
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Tuple

ROOT = Path(__file__).resolve().parent.parent

# process of the Procfile -> its host and port variables and its health check path
REPLICATED = {
    "backend": ("BACKEND_HOST", "BACKEND_PORT", "/health"),
    "actions": ("ACTION_HOST", "ACTION_PORT", "/health"),
    "rasa": ("RASA_HOST", "RASA_PORT", "/"),
}
# requests at once per replica (more wait in HAProxy's queue): enough to keep a replica's event
# loop busy (a turn waits on the action server and the database), few enough that it stays
# responsive
MAXCONN = {"backend": 32, "actions": 16, "rasa": 16}
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_settings(environ: Mapping[str, str]) -> Dict[str, str]:
    """The settings that point every replica at the shared engines."""
    postgres = (environ.get("SCALE_POSTGRES_URL") or DEFAULT_POSTGRES).rstrip("/")
    rasa_db = f"{postgres.replace('postgresql://', 'postgresql+psycopg2://', 1)}/cancel_assistant_rasa"
    settings: Dict[str, str] = {"RASA_ENDPOINTS": "endpoints.prod.yml"}
    defaults = {
        "DATABASE_URL": f"{postgres.replace('postgresql://', 'postgresql+psycopg2://', 1)}/cancel_assistant",
        "TRACKER_DB_URL": rasa_db,
        "SMS_STORE_URL": rasa_db,
    }
    for key, value in defaults.items():
        if (environ.get(key) or "sqlite").startswith("sqlite"):
            settings[key] = value
    if not environ.get("REDIS_URL"):
        host, port = environ.get("REDIS_HOST") or "127.0.0.1", environ.get("REDIS_PORT") or "6379"
        settings["REDIS_URL"] = f"redis://{host}:{port}/{environ.get('REDIS_LOCK_DB') or '0'}"
    return settings


def create_databases(urls: List[str]) -> None:
    """Create the PostgreSQL databases of ``urls`` that do not exist yet."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    for url in {u for u in urls if u.startswith("postgresql")}:
        parsed = make_url(url)
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            )
            if exists.first() is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
        admin.dispose()


def replica_ports(replicas: int) -> Dict[str, List[int]]:
    """A free loopback port for each replica of each replicated process."""
    return {name: [free_port() for _ in range(replicas)] for name in REPLICATED}


def procfile(source: str, ports: Mapping[str, List[int]], haproxy_cfg: Path) -> str:
    """The repository's Procfile with each replicated process copied once per port."""
    lines = []
    for line in source.splitlines():
        name, sep, command = line.partition(":")
        if not sep or line.lstrip().startswith("#"):
            continue
        name, command = name.strip(), command.strip()
        if name in REPLICATED:
            host, variable, _ = REPLICATED[name]
            for n, port in enumerate(ports[name], start=1):
                # replicas on loopback: only HAProxy is reached from outside
                replaced = command.replace(f"${variable}", str(port)).replace(f"${host}", "127.0.0.1")
                lines.append(f"{name}{n}: {host}=127.0.0.1 {variable}={port} {replaced}")
        else:
            lines.append(f"{name}: {command}")
    lines.append(f"haproxy: haproxy -db -f {shlex.quote(str(haproxy_cfg))}")
    return "\n".join(lines) + "\n"


def haproxy_config(public: Mapping[str, Tuple[str, int]], ports: Mapping[str, List[int]]) -> str:
    """HAProxy in front of every replicated process: round robin, no stickiness.

    WebSockets (the widget's socket.io) are tunnelled after the upgrade; a socket stays on the
    replica it reached, and python-socketio's client manager carries messages to it from the
    others. A refused connection is retried on another replica (``redispatch``); a request
    already sent is never replayed (a replayed POST could run a turn twice)."""
    out = [
        "global",
        "    maxconn 4096",
        "defaults",
        "    mode http",
        "    option redispatch",
        "    retries 2",
        "    timeout connect 2s",
        "    timeout client 120s",
        "    timeout server 300s",
        "    timeout tunnel 1h",
        # A replica that died refuses the check's connection at once (down after 2 checks, about
        # 4 s); one that is alive but busy (a Rasa replica parsing a burst of messages) may answer
        # slowly and must not be taken out for it, or every replica of a loaded stack flaps.
        "    timeout check 20s",
        "    default-server check inter 2s fall 2 rise 1",
    ]
    for name, (check, (host, port)) in ((n, (REPLICATED[n][2], public[n])) for n in REPLICATED):
        servers = [f"127.0.0.1:{p}" for p in ports[name]]
        frontend = [
            f"frontend {name}_public",
            f"    bind {host}:{port}",
            f"    default_backend {name}_replicas",
        ]
        if name == "rasa":
            # sockets (long-lived) apart from requests, so they do not take request slots
            frontend.insert(2, "    use_backend rasa_sockets if { path_beg /socket.io/ }")
        out += frontend
        out += [
            f"backend {name}_replicas",
            "    balance roundrobin",
            f"    option httpchk GET {check}",
            # at most this many requests at once on a replica, the rest wait here in order: an
            # overloaded replica answered its health check too late and was taken out
            "    timeout queue 300s",
        ]
        out += [f"    server {name}{n} {addr} maxconn {MAXCONN[name]}" for n, addr in enumerate(servers, 1)]
        if name == "rasa":
            out += ["backend rasa_sockets", "    balance roundrobin", f"    option httpchk GET {check}"]
            out += [f"    server rasa{n} {addr}" for n, addr in enumerate(servers, 1)]
    return "\n".join(out) + "\n"


def main(argv: List[str]) -> int:
    if argv[:1] == ["env"]:
        settings = shared_settings(os.environ)
        create_databases(
            [settings.get(k) or os.environ.get(k, "") for k in ("DATABASE_URL", "TRACKER_DB_URL")]
        )
        for key, value in sorted(settings.items()):
            print(f"export {key}={shlex.quote(value)}")
        return 0
    if argv[:1] == ["files"] and len(argv) == 3:
        replicas, out = int(argv[1]), Path(argv[2])
        if replicas < 1:
            raise SystemExit("replicas must be 1 or more")
        out.mkdir(parents=True, exist_ok=True)
        ports = replica_ports(replicas)
        public = {
            "backend": (os.environ.get("BACKEND_HOST", "127.0.0.1"), int(os.environ["BACKEND_PORT"])),
            "actions": ("127.0.0.1", int(os.environ["ACTION_PORT"])),
            "rasa": (os.environ.get("RASA_HOST", "127.0.0.1"), int(os.environ["RASA_PORT"])),
        }
        (out / "haproxy.cfg").write_text(haproxy_config(public, ports))
        (out / "Procfile").write_text(procfile((ROOT / "Procfile").read_text(), ports, out / "haproxy.cfg"))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
