"""Where the time of a turn goes: py-spy samples of Rasa, the action server and the backend.

    .venv/bin/pip install py-spy      # profiling only, not a project dependency
    .venv/bin/python -m bench.profile [--users 5] [--per-user 4] [--model PATH] [--out DIR]

Starts the stack like ``make bench``, runs one load level while ``py-spy record`` samples each
process (``--idle`` off: only samples where a thread is on the CPU), then prints for each process
the share of samples per frame (inclusive) for the hottest frames and writes the collapsed
stacks (``<process>.txt``, usable with any flame-graph tool) to the output folder.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.load import run_level
from devstack import scenario
from devstack.stack import ROOT, Stack, load_fixture

sys.path.insert(0, str(ROOT / "scripts"))
from ensure_model import ensure_model  # noqa: E402


def summarise(
    path: Path,
    top: int,
    prefixes=(
        "rasa",
        "bot",
        "actions",
        "sqlalchemy",
        "aiohttp",
        "sanic",
        "tensorflow",
        "sklearn",
        "json",
        "sqlite3",
        "rasa_sdk",
        "copy",
        "asyncio",
        "logging",
        "structlog",
        "jsonschema",
        "ssl",
        "pydantic",
    ),
) -> str:
    """Inclusive share of samples per frame, hottest first."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        seen = set()
        for frame in stack.split(";"):
            # frame: "function (path/to/module.py:line)"
            name, _, where = frame.partition(" (")
            where = where.rstrip(")").rsplit(":", 1)[0]
            short = where.split("site-packages/")[-1].replace(f"{ROOT}/", "")
            key = f"{name} ({short})"
            if key not in seen:
                seen.add(key)
                inclusive[key] += n
    if not total:
        return "  (no samples)"
    rows = [f"  {100 * n / total:5.1f}%  {key}" for key, n in inclusive.most_common(top)]
    return f"  {total} samples\n" + "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--per-user", type=int, default=4)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "profile")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    model = args.model or ensure_model(ROOT)
    stack = Stack(work / "stack", model).start()
    recorders = []
    try:
        load_fixture(
            stack, scenario.write_accounts(work / "accounts.json", args.users * args.per_user * 2 + 1)
        )
        stack.say("profile-warmup", "hello")
        # one untimed round so that lazy imports and first-call caches are out of the samples
        asyncio.run(
            run_level(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                scenario.cancellation,
                args.users,
                args.per_user,
                0,
                "warm",
            )
        )
        for name, process in stack.processes.items():
            recorders.append(
                (
                    name,
                    subprocess.Popen(
                        [
                            py_spy,
                            "record",
                            "--pid",
                            str(process.pid),
                            "--format",
                            "raw",
                            "--rate",
                            "200",
                            "--output",
                            str(args.out / f"{name}.txt"),
                            "--nonblocking",
                            "--subprocesses",
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    ),
                )
            )
        time.sleep(1.5)
        result = asyncio.run(
            run_level(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                scenario.cancellation,
                args.users,
                args.per_user,
                args.users * args.per_user,
                "prof",
            )
        )
        summary = result.summary()
        print(
            f"load: {summary['turns_per_s']} turns/s, p50 {summary['p50_ms']} ms, "
            f"p95 {summary['p95_ms']} ms, errors {summary['errors']}"
        )
    finally:
        for _, recorder in recorders:
            recorder.send_signal(2)  # SIGINT: py-spy writes its output and exits
        for _, recorder in recorders:
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()
        stack.stop()
    for name, _ in recorders:
        path = args.out / f"{name}.txt"
        print(f"\n== {name} ==")
        print(summarise(path, args.top) if path.exists() else "  (py-spy wrote nothing)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
