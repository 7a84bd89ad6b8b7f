"""The conversation suite's accounts and its per-class report at the end of the session."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from tests.talk.accounts import fixture

HERE = Path(__file__).parent
# part name -> (file, first conversation number). The held-out parts ("heldout*") were written
# before the fixes they measure and are never used for tuning (docs/nlu.md): only their pass
# counts are read. Conversation numbers stay below 700 (tests/talk/accounts.py: phone exchange
# 300 + n must stay three digits) and never overlap between parts.
PARTS = {
    # the held-out part now: written on 2 December 2026 without running it or reading the
    # assistant's code, measured before and after that day's fixes, never tuned on
    "heldout2": ("conversations_heldout2.yml", 101),
    # the first held-out part (written first, measured for three sessions at 45/50 right outcome
    # and 40-41/50 fully as expected); opened on 2 December 2026 after its last measurement
    # and used for development since: docs/nlu.md
    "dev0": ("conversations_dev0.yml", 1),
    "dev": ("conversations_dev.yml", 501),
    "dev2": ("conversations_dev2.yml", 201),
    "dev3": ("conversations_dev3.yml", 301),
    "dev4": ("conversations_dev4.yml", 401),
    "dev5": ("conversations_dev5.yml", 151),
    "dev6": ("conversations_dev6.yml", 451),
    # third round (3rd session of issue 10): probes of the classes still failing in heldout2
    "dev7": ("conversations_dev7.yml", 250),
    "dev8": ("conversations_dev8.yml", 353),
}


def is_held_out(part: str) -> bool:
    """Whether ``part`` is a measurement that is never tuned on."""
    return part.startswith("heldout")


CLASSES = {
    1: "details given early",
    2: "answers with extra words",
    3: "offer declined with a reason",
    4: "identifier formats",
    5: "dates",
    6: "several things / lists",
    7: "long messages",
    8: "already pending",
    9: "no dead ends",
    10: "text",
}
RESULTS: List[Dict[str, Any]] = []


def load_part(part: str) -> List[Dict[str, Any]]:
    """The conversations of one part, each numbered (its account) and tagged with its part."""
    name, first = PARTS[part]
    path = HERE / name
    if not path.exists():
        return []
    conversations = yaml.safe_load(path.read_text()) or []
    for i, conv in enumerate(conversations):
        conv["n"], conv["part"] = first + i, part
    return conversations


def all_conversations() -> List[Dict[str, Any]]:
    """Every part's conversations; numbers must be unique and below 700 (see PARTS)."""
    conversations = [c for part in PARTS for c in load_part(part)]
    numbers = [c["n"] for c in conversations]
    assert len(set(numbers)) == len(numbers) and max(numbers, default=0) < 700, "overlapping parts"
    return conversations


@pytest.fixture(scope="session")
def talk_stack(stack, tmp_path_factory):
    """The session's stack with one fresh account per conversation loaded."""
    from devstack.stack import load_fixture

    path = tmp_path_factory.mktemp("talk") / "accounts.yml"
    path.write_text(yaml.safe_dump(fixture(all_conversations()), sort_keys=False))
    load_fixture(stack, path)
    return stack


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Passes per class and part: right backend outcome, and fully as expected."""
    if not RESULTS:
        return
    table: Dict[tuple, List[int]] = defaultdict(lambda: [0, 0, 0])
    for r in RESULTS:
        for key in ((r["part"], r["class"]), (r["part"], "all")):
            table[key][0] += 1
            table[key][1] += r["outcome"]
            table[key][2] += r["smooth"]
    write = terminalreporter.write_line
    write("")
    write("Conversation suite (issue 10): passes per class")
    write(f"{'part':8} {'class':36} {'n':>4} {'outcome':>8} {'fully as expected':>18}")
    for part in PARTS:
        keys = sorted((k for k in table if k[0] == part and k[1] != "all"), key=lambda k: k[1])
        for key in keys + [(part, "all")]:
            if key not in table:
                continue
            n, outcome, smooth = table[key]
            label = "all" if key[1] == "all" else f"{key[1]}. {CLASSES.get(key[1], '?')}"
            write(f"{part:8} {label:36} {n:>4} {outcome:>8} {smooth:>18}")
