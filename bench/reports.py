"""Benchmark of the reports (not a test): writes N synthetic cancellation conversations
(backend.reports.history) into a fresh SQLite file and a fresh PostgreSQL schema, then times a 90-day
report three ways: the query alone (in process), the console's reports page (HTTP, signed-in
supervisor) and the CLI (`cancel-backend report`, a new process, start-up included).

    .venv/bin/python -m bench.reports [--conversations 100000] [--days 180] [--postgres URL]

PostgreSQL is used when --postgres or TEST_POSTGRES_URL is given. Prints a Markdown table for
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from backend.db import Database, upgrade
from backend.hashing import set_identifier_hash_key
from backend.models import AuditEvent
from backend.policy import business_today, load_policy
from backend.reports import report
from backend.reports.history import synthetic, write
from devstack.postgres import migrated_postgres_schema

HASH_KEY = "bench-identifier-key"  # the keyed conversation hashes of the synthetic history

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3


def _median_seconds(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextlib.contextmanager
def _database(kind: str, postgres_url: str, tmp: Path):
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'reports-bench.sqlite3'}"
        upgrade(url)
        yield url
        return
    with migrated_postgres_schema(postgres_url, "bench_reports_") as url:
        yield url


def _fill(db: Database, policy, count: int, days: int) -> float:
    started = time.perf_counter()
    scripts = synthetic(policy, count, days)
    for i in range(0, count, 10_000):
        db.transaction(write, policy, scripts[i : i + 10_000])
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


async def _page_seconds(url: str, policy, since, until) -> float:
    import aiohttp
    from aiohttp.test_utils import TestServer

    from backend.config import Settings
    from backend.console import setup_console
    from backend.handoff.auth import upsert_staff
    from backend.server import create_app

    db = Database(url)
    db.transaction(upsert_staff, "bench-supervisor", "Bench", "supervisor", "bench-password-123")
    app = create_app(
        Settings(database_url=url, service_token="bench", identifier_hash_key=HASH_KEY), policy=policy, db=db
    )
    setup_console(app)
    server = TestServer(app)
    await server.start_server()
    try:
        base = str(server.make_url("")).rstrip("/")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(base + "/console/login") as answer:
                page = await answer.text()
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            async with http.post(
                base + "/console/login",
                json={"username": "bench-supervisor", "password": "bench-password-123", "csrf_token": token},
            ) as answer:
                assert answer.status == 200, await answer.text()
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                async with http.get(f"{base}/console/reports?since={since}&until={until}") as answer:
                    body = await answer.text()
                    assert answer.status == 200, body[:300]
                times.append(time.perf_counter() - started)
            return statistics.median(times)
    finally:
        await server.close()
        db.close()


def _cli_seconds(url: str, since, until) -> float:
    exe = str(Path(sys.executable).parent / "cancel-backend")
    env = {**os.environ, "DATABASE_URL": url}

    def run():
        subprocess.run(
            [exe, "report", "--since", str(since), "--until", str(until), "--format", "json"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

    return _median_seconds(run)


def bench(kind: str, url: str, policy, count: int, days: int, fill_it: bool = True) -> dict:
    set_identifier_hash_key(HASH_KEY)
    db = Database(url)
    fill = _fill(db, policy, count, days) if fill_it else 0.0
    events = db.transaction(lambda s: s.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
    until = business_today(policy)  # the reports' days are the company's
    since = until - timedelta(days=89)
    started = time.perf_counter()
    rep = db.transaction(
        report, since, until, zone=policy.company_timezone
    )  # the first report builds the summary
    build = time.perf_counter() - started
    in_period = rep.tables["funnel"].rows[0][1]
    cpu = time.process_time()
    query = _median_seconds(lambda: db.transaction(report, since, until, zone=policy.company_timezone))
    cpu = (time.process_time() - cpu) / RUNS
    db.close()
    page = asyncio.run(_page_seconds(url, policy, since, until))
    cli = _cli_seconds(url, since, until)
    return {
        "database": kind,
        "conversations": count,
        "load_average": round(os.getloadavg()[0], 1),
        "python_cpu_s": round(cpu, 3),
        "audit_events": events,
        "in_90_days": in_period,
        "fill_s": fill,
        "build_s": build,
        "query_s": query,
        "page_s": page,
        "cli_s": cli,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument(
        "--days", type=int, default=180, help="the history spans this many days (default 180)"
    )
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"))
    parser.add_argument("--existing", help="time the reports of this already filled database instead")
    args = parser.parse_args()
    policy = dataclasses.replace(load_policy(ROOT / "backend" / "policy.yml"), offer_holdout_share=0.1)
    results = []
    if args.existing:
        kind = make_url(args.existing).get_backend_name()
        results.append(bench(kind, args.existing, policy, 0, args.days, fill_it=False))
        print(results[-1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ["sqlite"] + (["postgresql"] if args.postgres else []):
            with _database(kind, args.postgres, Path(tmp)) as url:
                results.append(bench(kind, url, policy, args.conversations, args.days))
                print(results[-1], flush=True)
    print(
        "\n| database | conversations (audit events) | in the 90 days | summary build (once) | report (in process) "
        "| page (HTTP) | CLI (new process) | load average |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['database']} | {r['conversations']:,} ({r['audit_events']:,}) | {r['in_90_days']:,} | "
            f"{r['build_s']:.1f} s | {r['query_s']:.2f} s | {r['page_s']:.2f} s | {r['cli_s']:.2f} s | "
            f"{r['load_average']} |"
        )


if __name__ == "__main__":
    main()
