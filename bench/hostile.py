"""Bystander latency during hostile requests (issue 14): ``python -m bench.hostile``.

Starts the whole stack (devstack/stack.py), then for each hostile request of the probe (a lone
surrogate sender id, 100 kB and 1 MB messages, deeply nested JSON, a non-object body, a message
just over the length limit) sends it while a bystander customer keeps talking over REST, and
prints the hostile request's answer and time and the bystander's latencies during it, next to a
baseline without any hostile request. Figures only: nothing is asserted (the tests assert that
the process survives and the bystander is answered).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from ensure_model import ensure_model  # noqa: E402

from devstack.stack import Stack, http_json  # noqa: E402

HOSTILE: Dict[str, bytes] = {
    "lone surrogate sender": b'{"sender": "\\ud800", "message": "hi"}',
    "100 kB message": b'{"sender": "h1", "message": "' + b"x" * 100_000 + b'"}',
    "1 MB message": b'{"sender": "h2", "message": "' + b"x" * 1_000_000 + b'"}',
    "nested JSON 50k": b"[" * 50_000 + b"]" * 50_000,
    "non-object body": b"[1, 2, 3]",
    "4,001-char message": b'{"sender": "h3", "message": "' + b"y" * 4001 + b'"}',
    "60 kB of brackets in a message": b'{"sender": "h4", "message": "' + b"[" * 60_000 + b'"}',
}


def _post_raw(url: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, float]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:
            status = answer.status
            answer.read()
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0  # connection closed
    return status, time.perf_counter() - started


def _bystander(stack: Stack, until: Callable[[], bool], sender: str) -> List[float]:
    """Latencies (s) of a bystander's turns until ``until()`` is true (at least one turn)."""
    latencies: List[float] = []
    while True:
        started = time.perf_counter()
        status, body = http_json(
            "POST",
            f"{stack.rasa_url}/webhooks/rest/webhook",
            {"sender": sender, "message": "hi"},
            stack.rest_headers(),
            timeout=300,
        )
        latencies.append(time.perf_counter() - started)
        if status != 200 or not body:
            latencies[-1] = float("inf")  # not answered
        if until():
            return latencies


def _summary(latencies: List[float]) -> str:
    finite = [x for x in latencies if x != float("inf")]
    unanswered = len(latencies) - len(finite)
    if not finite:
        return f"{len(latencies)} turns, none answered"
    return (
        f"{len(latencies):3d} turns, p50 {1000 * statistics.median(finite):7.1f} ms, "
        f"max {1000 * max(finite):7.1f} ms" + (f", {unanswered} unanswered" if unanswered else "")
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--baseline-turns", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    stack = Stack(work / "stack", args.model or ensure_model(ROOT)).start()
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    try:
        stack.say("warm-up", "hi")
        count = iter(range(10**9))
        baseline = _bystander(stack, lambda: next(count) >= args.baseline_turns - 1, "bystander-baseline")
        print(f"{'baseline (no hostile request)':34s} {'':22s} bystander: {_summary(baseline)}")
        for n, (name, body) in enumerate(HOSTILE.items()):
            result: Dict[str, Tuple[int, float]] = {}
            done = threading.Event()

            def hostile(body=body, result=result, done=done) -> None:
                result["answer"] = _post_raw(url, body, stack.rest_headers())
                done.set()

            thread = threading.Thread(target=hostile)
            thread.start()
            latencies = _bystander(stack, done.is_set, f"bystander-{n}")
            thread.join()
            status, seconds = result["answer"]
            alive = stack.processes["rasa"].poll() is None
            print(
                f"{name:34s} HTTP {status:3d} in {1000 * seconds:7.1f} ms  bystander: {_summary(latencies)}"
                + ("" if alive else "  RASA EXITED")
            )
            if not alive:
                return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
