"""``python -m bench --ab``: each speed patch group of ``bot.rasa_speedups`` on and off under the
same load, in one run, on the same model, the arms interleaved.

One stack (backend, action server, tracker database) serves every arm; only the Rasa server is
restarted per arm, with ``RASA_SPEEDUPS_OFF`` naming what the arm leaves out: ``all patches``,
``without <group>`` for every group, and ``no patches``. Each round runs every arm once, the
order reversed from one round to the next (A B C ... C B A ...), so load from other work on the
machine falls on every arm alike. An arm: Rasa restarted, one untimed conversation, then
``level`` customers at once completing ``per_user`` cancellations each; measured are turns/s,
p50/p95 and the Rasa server's CPU milliseconds per turn (the patches act in that process only).

The noise is the spread (largest minus smallest) of an arm's repeats. A group's gain is the mean
CPU per turn without it minus the mean with all patches; the verdict keeps it only when the gain
exceeds the noise of that comparison, the larger spread of its two arms (``all patches`` and
``without <group>``). The ``no patches`` arm shows the total and takes no part in a verdict (its
spread grows with its four times larger CPU per turn).
"""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path
from typing import Dict, List, Optional

from bench.load import run_level
from bench.memory import PeakSampler
from bot.rasa_speedups import GROUPS
from devstack import scenario
from devstack.stack import Stack, load_fixture

ALL, NONE = "all patches", "no patches"


def arms(groups: List[str], with_none: bool = True) -> Dict[str, str]:
    """Arm name -> ``RASA_SPEEDUPS_OFF`` value (the no-patches arm only with ``with_none``)."""
    table = {ALL: "", **{f"without {g}": g for g in groups}}
    if with_none:
        table[NONE] = "all"
    return table


def _measure(stack: Stack, first: int, level: int, per_user: int, tag: str) -> dict:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    asyncio.run(run_level(url, scenario.cancellation, 1, 1, first, f"{tag}-warm"))
    pids = {name: [p.pid] for name, p in stack.processes.items()}
    with PeakSampler(pids) as sampler:
        result = asyncio.run(run_level(url, scenario.cancellation, level, per_user, first + 1, tag))
    s = result.summary()
    turns = s["turns"] or 1
    return {
        "turns_per_s": s["turns_per_s"],
        "p50_ms": s["p50_ms"],
        "p95_ms": s["p95_ms"],
        "errors": s["errors"],
        "turns": s["turns"],
        "rasa_cpu_ms": round(1000 * sampler.cpu_s["rasa"] / turns, 2),
        "all_cpu_ms": round(1000 * sum(sampler.cpu_s.values()) / turns, 2),
    }


def run_ab(
    workdir: Path, model: Path, level: int, per_user: int, rounds: int, groups: Optional[List[str]] = None
) -> dict:
    """Run every arm ``rounds`` times, interleaved; return the runs, the summary and verdicts.
    ``groups``: only these groups' arms (and no no-patches arm); default every group."""
    chosen = list(groups) if groups else list(GROUPS)
    unknown = [g for g in chosen if g not in GROUPS]
    if unknown:
        raise SystemExit(f"unknown patch groups {unknown}; known: {', '.join(GROUPS)}")
    groups = chosen
    table = arms(groups, with_none=len(groups) == len(GROUPS))
    per_arm = level * per_user + 1
    stack = Stack(workdir / "stack", model).start()
    runs: Dict[str, List[dict]] = {name: [] for name in table}
    try:
        load_fixture(
            stack, scenario.write_accounts(workdir / "ab_accounts.json", per_arm * len(table) * rounds)
        )
        first = 0
        for round_ in range(rounds):
            order = list(table) if round_ % 2 == 0 else list(reversed(table))
            for name in order:
                stack.restart_rasa({"RASA_SPEEDUPS_OFF": table[name]})
                figures = _measure(stack, first, level, per_user, f"ab{round_}-{name.replace(' ', '_')}")
                first += per_arm
                runs[name].append(figures)
                print(
                    f"  round {round_ + 1} {name:<20} {figures['turns_per_s']:>6} turns/s  "
                    f"p50 {figures['p50_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms  "
                    f"Rasa CPU {figures['rasa_cpu_ms']:>6} ms/turn  all {figures['all_cpu_ms']:>6}  "
                    f"errors {figures['errors']}",
                    flush=True,
                )
    finally:
        stack.stop()
    return summarise(runs, groups)


def summarise(runs: Dict[str, List[dict]], groups: List[str]) -> dict:
    """Mean and spread of each arm; each group's gain against the noise, and the verdict."""
    summary = {}
    for name, figures in runs.items():
        cpu = [f["rasa_cpu_ms"] for f in figures]
        summary[name] = {
            "rasa_cpu_ms_mean": round(statistics.fmean(cpu), 2),
            "rasa_cpu_ms_spread": round(max(cpu) - min(cpu), 2),
            "turns_per_s_mean": round(statistics.fmean(f["turns_per_s"] or 0 for f in figures), 2),
            "p50_ms_mean": round(statistics.fmean(f["p50_ms"] or 0 for f in figures), 1),
            "errors": sum(f["errors"] for f in figures),
        }
    base = summary[ALL]
    verdicts = {}
    for group in groups:
        without = summary[f"without {group}"]
        gain = round(without["rasa_cpu_ms_mean"] - base["rasa_cpu_ms_mean"], 2)
        noise = max(without["rasa_cpu_ms_spread"], base["rasa_cpu_ms_spread"])
        verdicts[group] = {"gain_ms": gain, "noise_ms": noise, "keep": gain > noise}
    total = (
        round(summary[NONE]["rasa_cpu_ms_mean"] - base["rasa_cpu_ms_mean"], 2) if NONE in summary else None
    )
    return {"runs": runs, "arms": summary, "all_gain_ms": total, "groups": verdicts}


def report(result: dict) -> str:
    """The A/B summary as printed lines."""
    lines = ["arm                   Rasa CPU ms/turn (mean, spread)  turns/s  p50 ms  errors"]
    for name, s in result["arms"].items():
        lines.append(
            f"  {name:<20} {s['rasa_cpu_ms_mean']:>8} {s['rasa_cpu_ms_spread']:>8}"
            f"            {s['turns_per_s_mean']:>7} {s['p50_ms_mean']:>7} {s['errors']:>6}"
        )
    if result["all_gain_ms"] is not None:
        lines.append(f"all patches against none: {result['all_gain_ms']} ms/turn of Rasa CPU")
    for group, v in result["groups"].items():
        verdict = "keep" if v["keep"] else "drop (within the noise)"
        lines.append(
            f"  {group:<11} gain {v['gain_ms']:>6} ms/turn, noise {v['noise_ms']:>6} ms/turn: {verdict}"
        )
    return "\n".join(lines)
