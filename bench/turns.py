"""Single-customer latency of each turn of the benchmark's cancellation, one line per turn.

    .venv/bin/python -m bench.turns [--conversations 10] [--model PATH]

Starts the stack like ``make bench`` and lets one customer at a time complete the cancellation
``--conversations`` times (after one untimed conversation), then prints the median and maximum
latency of each turn, so that the expensive steps of a conversation stand out.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from devstack import scenario
from devstack.stack import ROOT, Stack, load_fixture

sys.path.insert(0, str(ROOT / "scripts"))
from ensure_model import ensure_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-turns-"))
    stack = Stack(work / "stack", args.model or ensure_model(ROOT)).start()
    timings = defaultdict(list)
    try:
        load_fixture(stack, scenario.write_accounts(work / "accounts.json", args.conversations + 1))
        for n in range(args.conversations + 1):
            turn = 0

            async def say(text: str, n: int = n):
                nonlocal turn
                started = time.perf_counter()
                answer = stack.say(f"turns-{n}", text)
                if n:  # the first conversation warms caches up
                    timings[(turn, text if not text[0].isdigit() else "<digits>")].append(
                        (time.perf_counter() - started) * 1000
                    )
                turn += 1
                return answer

            asyncio.run(scenario.cancellation(say, n))
    finally:
        stack.stop()
    print(f"{'turn':<48} {'median ms':>10} {'max ms':>8}")
    for (turn, text), values in sorted(timings.items()):
        print(f"{turn}: {text[:44]:<45} {statistics.median(values):>10.1f} {max(values):>8.1f}")
    every = [v for values in timings.values() for v in values]
    print(f"all turns: p50 {statistics.median(every):.1f} ms over {len(every)} turns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
