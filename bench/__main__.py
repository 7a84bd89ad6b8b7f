"""make bench: throughput, latency and memory of the full assistant against Rasa's stock bot.

Starts the whole stack (backend, action server, Rasa) on free ports with a fresh database, adds
synthetic customers, and at each concurrency level lets that many customers at once complete a
full cancellation over the REST channel. The same load shape (as many turns) then runs against
the assistant that ``rasa init`` creates, trained with Rasa's default config. Prints the figures
and the ratios, and writes ``results.json`` and ``latency.png`` to the output folder.
``--replicas 1,2``: instead, the same load on the ``make scale`` deployment with each number of
replicas of every process (``replicas.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from bench import ab, reference
from bench.load import run_level
from bench.memory import PeakSampler
from devstack import scenario
from devstack.stack import ROOT, Stack, load_fixture

sys.path.insert(0, str(ROOT / "scripts"))
from ensure_model import ensure_model  # noqa: E402


def _levels(text: str):
    return [int(x) for x in text.split(",") if x.strip()]


def time_training(workdir: Path) -> float:
    """Seconds for a full (forced) training of the assistant's model."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--force", "--quiet", "--out", str(workdir / "models")],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def drive(rest_url: str, customer, levels, per_user: int, tag: str, pids) -> list:
    """Run every concurrency level; return their summaries with peak memory."""
    results, first = [], 0
    for level in levels:
        total = level * per_user
        with (
            tqdm(total=total, desc=f"{tag} x{level:>3}", unit="conv", leave=False) as bar,
            PeakSampler(pids) as memory,
        ):
            result = asyncio.run(run_level(rest_url, customer, level, per_user, first, tag, bar))
        first += total
        summary = result.summary()
        summary["peak_rss_mb"] = memory.peak_mb
        summary["cpu_ms_per_turn"] = {
            name: round(1000 * seconds / summary["turns"], 1) if summary["turns"] else None
            for name, seconds in memory.cpu_s.items()
        }
        results.append(summary)
        tqdm.write(_line(tag, summary))
    return results


def _line(tag: str, s: dict) -> str:
    return (
        f"{tag:>9} x{s['concurrency']:>3}: {s['turns_per_s']:>7} turns/s  "
        f"p50 {s['p50_ms']:>7} ms  p95 {s['p95_ms']:>7} ms  p99 {s['p99_ms']:>7} ms  "
        f"{s['conversations_per_s']:>6} conv/s  errors {s['errors']}  "
        f"rss {s['peak_rss_mb']}  cpu ms/turn {s['cpu_ms_per_turn']}"
    )


def plot(results: dict, path: Path) -> None:
    """Latency (p50 and p95) against concurrency, ours and the reference's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, style in (("assistant", "-"), ("reference", "--")):
        rows = results.get(name) or []
        if not rows:
            continue
        xs = [r["concurrency"] for r in rows]
        ax.plot(xs, [r["p50_ms"] for r in rows], style, marker="o", label=f"{name} p50")
        ax.plot(xs, [r["p95_ms"] for r in rows], style, marker="^", label=f"{name} p95")
    ax.set_xlabel("concurrent customers")
    ax.set_ylabel("turn latency (ms)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title("Turn latency against concurrency (REST channel)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def _level(rows, concurrency):
    return next((r for r in rows or [] if r["concurrency"] == concurrency), None)


def check_targets(results: dict) -> list:
    """Each speed target with what this run measured and whether it was met."""
    ours, ratios = results.get("assistant") or [], results.get("ratios") or []
    one, twenty = _level(ours, 1), _level(ours, 20)
    ratio20 = _level(ratios, 20)
    rows = [
        (
            "throughput at 20 customers >= 5x reference",
            5.0,
            ">=",
            ratio20["throughput_ratio"] if ratio20 else None,
        ),
        ("single-customer p50 <= 15 ms", 15.0, "<=", one["p50_ms"] if one else None),
        ("p95 at 20 customers <= 150 ms", 150.0, "<=", twenty["p95_ms"] if twenty else None),
        # issue 10 raised the training budget from 60 s to 120 s for the sentence embeddings
        ("training <= 120 s", 120.0, "<=", results.get("training_s")),
    ]
    checked = []
    for name, limit, sense, value in rows:
        if value is None:
            verdict = "not measured in this run"
        else:
            met = value >= limit if sense == ">=" else value <= limit
            verdict = "met" if met else f"MISSED by {abs(value - limit):.1f}"
        checked.append({"target": name, "limit": limit, "measured": value, "verdict": verdict})
    return checked


def replicas(args: argparse.Namespace, work: Path) -> int:
    """The same load on the replicated deployment (devstack/replicated.py) with 1, 2, ... replicas
    of each process; CPU per turn is the sum over the replicas of each kind. The engines are
    TEST_POSTGRES_URL, TEST_REDIS_URL, TEST_RABBITMQ_URL (default: this machine's services)."""
    import os

    from devstack.replicated import replicated_stack

    model = ensure_model(ROOT)
    customers = sum(args.levels) * args.per_user + 1
    results: dict = {"levels": args.levels, "per_user": args.per_user, "replicas": {}}
    print(f"load average at start: {os.getloadavg()}", flush=True)
    for count in args.replicas:
        with replicated_stack(
            work / f"replicas{count}",
            model,
            postgres_url=os.environ.get(
                "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
            ),
            redis_url=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            amqp_url=os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
            replicas=count,
            customers=customers,
        ) as running:
            running.stack.say("bench-warmup", "hello")
            rows = drive(
                f"{running.stack.rasa_url}/webhooks/rest/webhook",
                scenario.cancellation,
                args.levels,
                args.per_user,
                f"replicas{count}",
                running.pids(),
            )
        results["replicas"][str(count)] = {"load_average": os.getloadavg(), "levels": rows}
        print(f"  load average after {count}: {results['replicas'][str(count)]['load_average']}", flush=True)
    (args.out / "replicas.json").write_text(json.dumps(results, indent=2))
    print(f"\nResults: {args.out / 'replicas.json'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _ab(args, work: Path) -> int:
    """``--ab``: the speed patch groups on and off, interleaved, in this run."""
    if args.ab_rounds < 2:
        raise SystemExit("--ab-rounds must be at least 2 (the noise is the spread of repeats)")
    model = ensure_model(ROOT)
    print(
        f"A/B of the speed patch groups: {args.ab_level} customers x {args.ab_per_user} "
        f"conversations per arm, {args.ab_rounds} rounds, arms interleaved (order reversed each round)",
        flush=True,
    )
    groups = [g for g in (args.ab_groups or "").split(",") if g]
    result = ab.run_ab(work, model, args.ab_level, args.ab_per_user, args.ab_rounds, groups)
    print(ab.report(result))
    (args.out / "ab.json").write_text(json.dumps(result, indent=2))
    print(f"\nResults: {args.out / 'ab.json'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=_levels, default=_levels("1,5,10,20,50"))
    parser.add_argument("--per-user", type=int, default=2, help="conversations per customer and level")
    parser.add_argument("--no-reference", action="store_true", help="skip the rasa init reference")
    parser.add_argument("--no-train", action="store_true", help="skip timing a forced training")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--replicas",
        type=_levels,
        help="instead of the figures above: the make scale deployment (HAProxy, PostgreSQL, Redis, "
        "RabbitMQ) with each of these numbers of replicas of every process, e.g. 1,2",
    )
    parser.add_argument(
        "--ab",
        action="store_true",
        help="only the A/B of the speed patch groups (bench/ab.py), instead of the figures above",
    )
    parser.add_argument("--ab-level", type=int, default=5, help="customers at once in each A/B arm")
    parser.add_argument("--ab-per-user", type=int, default=3, help="conversations per customer and arm")
    parser.add_argument("--ab-rounds", type=int, default=2, help="times each arm runs (at least 2)")
    parser.add_argument(
        "--ab-groups",
        default="",
        help="comma-separated patch groups to measure (default: all, plus no patches)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    if args.replicas:
        return replicas(args, work)
    if args.ab:
        return _ab(args, work)
    results: dict = {
        "levels": args.levels,
        "per_user": args.per_user,
        "turns_per_conversation": scenario.TURNS,
    }

    if not args.no_train:
        print("Timing a full training of the assistant...", flush=True)
        results["training_s"] = round(time_training(work), 1)
        print(f"  training: {results['training_s']} s", flush=True)

    model = ensure_model(ROOT)
    customers = sum(args.levels) * args.per_user + 1
    started = time.perf_counter()
    stack = Stack(work / "stack", model).start()
    try:
        load_fixture(stack, scenario.write_accounts(work / "bench_accounts.json", customers))
        stack.say("bench-warmup", "hello")
        results["start_to_first_answer_s"] = round(time.perf_counter() - started, 1)
        print(f"  start to first answer: {results['start_to_first_answer_s']} s", flush=True)
        pids = {name: [p.pid] for name, p in stack.processes.items()}
        results["assistant"] = drive(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            scenario.cancellation,
            args.levels,
            args.per_user,
            "assistant",
            pids,
        )
    finally:
        stack.stop()

    if not args.no_reference:
        ref_dir = work / "reference"
        print("Creating and training the rasa init reference assistant...", flush=True)
        results["reference_training_s"] = round(reference.create(ref_dir), 1)
        server = reference.ReferenceServer(ref_dir).start()
        try:
            first_answer = server.first_answer_s
            results["reference_start_to_first_answer_s"] = (
                round(first_answer, 1) if first_answer is not None else None
            )

            async def moodbot(say, n):
                return await reference.moodbot_customer(say, n, scenario.TURNS)

            results["reference"] = drive(
                f"{server.url}/webhooks/rest/webhook",
                moodbot,
                args.levels,
                args.per_user,
                "reference",
                {"rasa": server.pids()},
            )
        finally:
            server.stop()
        results["ratios"] = [
            {
                "concurrency": ours["concurrency"],
                "throughput_ratio": round(ours["turns_per_s"] / ref["turns_per_s"], 2)
                if ours["turns_per_s"] and ref["turns_per_s"]
                else None,
                "p50_latency_ratio": round(ours["p50_ms"] / ref["p50_ms"], 2)
                if ours["p50_ms"] and ref["p50_ms"]
                else None,
                "p95_latency_ratio": round(ours["p95_ms"] / ref["p95_ms"], 2)
                if ours["p95_ms"] and ref["p95_ms"]
                else None,
            }
            for ours, ref in zip(results["assistant"], results["reference"], strict=False)
        ]
        print("\nassistant / reference (throughput: higher is better; latency: lower is better)")
        for ratio in results["ratios"]:
            print(
                f"  x{ratio['concurrency']:>3}: throughput {ratio['throughput_ratio']}x, "
                f"p50 latency {ratio['p50_latency_ratio']}x, p95 latency {ratio['p95_latency_ratio']}x"
            )

    results["targets"] = check_targets(results)
    print("\ntargets (issue 5; accuracy and out-of-scope recall: make eval)")
    for target in results["targets"]:
        print(f"  {target['target']:<44} measured {target['measured']!s:>10}  {target['verdict']}")

    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    plot(results, args.out / "latency.png")
    print(f"\nResults: {args.out / 'results.json'}  Plot: {args.out / 'latency.png'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
