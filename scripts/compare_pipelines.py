#!/usr/bin/env python
"""Compare NLU pipeline + policy configurations on the same data (docs/performance.md).

For one configuration per call (results accumulate in ``--out``, one JSON per name):

* training time: wall time of ``rasa train --force`` (NLU + dialogue, no cached components)
  into a temporary folder;
* public-set accuracy, in-scope macro-F1 and out-of-scope recall through scripts/eval_nlu.py;
* cross-validated intent F1 on the training data: ``rasa test nlu --cross-validation``
  (``--folds``; 0 skips it);
* single-user turn latency and throughput at ``--users`` concurrent customers: the whole stack
  (backend, action server, Rasa with that model) running the benchmark's full cancellation.

    .venv/bin/python scripts/compare_pipelines.py --name light --config config.yml
    .venv/bin/python scripts/compare_pipelines.py --table      # markdown table of all results

``--model`` reuses a trained model (training time is then taken from an earlier result or left
empty); ``--pythonpath DIR`` puts DIR first on PYTHONPATH of every child process (optional
dependencies of a configuration that are not in the lock file); ``--eval-data`` names the public
set when it is not beside the repository (a git worktree elsewhere).
Run one at a time: it trains, and the machine's load changes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DEFAULT_OUT = ROOT / "bench" / "out" / "compare"  # docs/configs/measured/: the figures of docs/performance.md


def train(config: Path, out: Path, name: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "rasa"),
            "train",
            "--force",
            "--config",
            str(config),
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def public_eval(model: Path, work: Path, data: Path | None = None) -> dict:
    path = work / "eval.json"
    extra = ["--data", str(data)] if data else []
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "eval_nlu.py"), "--model", str(model), "--json", str(path)]
        + extra,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    metrics = json.loads(path.read_text())
    return {k: metrics[k] for k in ("n", "accuracy", "macro_f1_in_scope", "oos_recall")}


def cross_validate(config: Path, folds: int, work: Path) -> dict:
    out = work / "cv"
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "rasa"),
            "test",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            "data/nlu",
            "--cross-validation",
            "--folds",
            str(folds),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    report = json.loads((out / "intent_report.json").read_text())
    return {
        "folds": folds,
        "accuracy": report.get("accuracy"),
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def speed(model: Path, users: int, single_conversations: int, work: Path) -> dict:
    from bench.load import run_level
    from devstack import scenario
    from devstack.stack import Stack, load_fixture

    stack = Stack(work / "stack", model).start()
    try:
        load_fixture(
            stack, scenario.write_accounts(work / "accounts.json", 2 * (users + single_conversations) + 2)
        )
        stack.say("compare-warmup", "hello")
        url = f"{stack.rasa_url}/webhooks/rest/webhook"
        asyncio.run(run_level(url, scenario.cancellation, 2, 1, 0, "warm"))  # untimed
        one = asyncio.run(run_level(url, scenario.cancellation, 1, single_conversations, 2, "one"))
        many = asyncio.run(run_level(url, scenario.cancellation, users, 1, 2 + single_conversations, "many"))
    finally:
        stack.stop()
    s1, sn = one.summary(), many.summary()
    return {
        "single_p50_ms": s1["p50_ms"],
        "single_p95_ms": s1["p95_ms"],
        "single_turns_per_s": s1["turns_per_s"],
        "users": users,
        "turns_per_s": sn["turns_per_s"],
        "p50_ms": sn["p50_ms"],
        "p95_ms": sn["p95_ms"],
        "errors": s1["errors"] + sn["errors"],
    }


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def table(out: Path) -> str:
    rows = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    head = (
        "| configuration | public accuracy | in-scope macro-F1 | OOS recall | CV intent F1 "
        "(macro / weighted) | training | 1 user p50 | 20 users turns/s | 20 users p95 | "
        "load |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        ev, cv, sp = r.get("eval") or {}, r.get("cv") or {}, r.get("speed") or {}
        fmt = lambda v, f="{:.3f}": f.format(v) if isinstance(v, (int, float)) else "n/a"  # noqa: E731
        cvs = (
            f"{fmt(cv.get('macro_f1'))} / {fmt(cv.get('weighted_f1'))} ({cv.get('folds')}-fold)"
            if cv
            else "not run"
        )
        lines.append(
            f"| {r['name']} | {fmt(ev.get('accuracy'))} | {fmt(ev.get('macro_f1_in_scope'))} | "
            f"{fmt(ev.get('oos_recall'))} | {cvs} | {fmt(r.get('training_s'), '{:.0f} s')} | "
            f"{fmt(sp.get('single_p50_ms'), '{:.1f} ms')} | {fmt(sp.get('turns_per_s'), '{:.1f}')} | "
            f"{fmt(sp.get('p95_ms'), '{:.0f} ms')} | {r.get('load_before', '')} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name")
    parser.add_argument("--config", type=Path)
    parser.add_argument("--model", type=Path, help="reuse this trained model")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: skip)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--single", type=int, default=3, help="single-user conversations")
    parser.add_argument("--skip", action="append", default=[], choices=["eval", "cv", "speed"])
    parser.add_argument("--pythonpath", help="prepend to PYTHONPATH of child processes")
    parser.add_argument("--eval-data", type=Path, help="public set CSV if not ../shared/eval beside the repo")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--table", action="store_true", help="print the table of --out and exit")
    args = parser.parse_args()
    if args.table:
        print(table(args.out))
        return 0
    if not (args.name and args.config):
        parser.error("--name and --config are needed")
    if args.pythonpath:
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [args.pythonpath, os.environ.get("PYTHONPATH")])
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.name}.json"
    result = json.loads(path.read_text()) if path.exists() else {}
    result.update({"name": args.name, "config": str(args.config), "load_before": load_average()})
    work = Path(tempfile.mkdtemp(prefix=f"compare-{args.name}-"))
    try:
        model = args.model
        if model is None:
            print(f"[{args.name}] training...", flush=True)
            result["training_s"] = round(train(args.config.resolve(), work / "models", args.name), 1)
            model = work / "models" / f"{args.name}.tar.gz"
            print(f"[{args.name}] training {result['training_s']} s", flush=True)
        if "eval" not in args.skip:
            result["eval"] = public_eval(model, work, args.eval_data)
            print(f"[{args.name}] public set {result['eval']}", flush=True)
        if "speed" not in args.skip:
            result["speed"] = speed(model, args.users, args.single, work)
            print(f"[{args.name}] speed {result['speed']}", flush=True)
        if "cv" not in args.skip and args.folds:
            result["cv"] = cross_validate(args.config.resolve(), args.folds, work)
            print(f"[{args.name}] cross-validation {result['cv']}", flush=True)
        result["load_after"] = load_average()
        result["data_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        path.write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
