"""Every example date the assistant offers ("type a date like "Dec 15"", "e.g. "end of next
month"") is read back by the same parser that reads the customer's answer."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from actions.settings import company_today
from contract.vocabulary.dates import parse_date

ROOT = Path(__file__).resolve().parents[2]
_OFFER = re.compile(
    r'(?:e\.g\.|like|example|for example|try something like)[^"]{0,20}((?:"[^"]+"'
    r"(?:,\s*|\s+or\s+)?)+)",
    re.I,
)


def _texts():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for name, variants in domain["responses"].items():
        for variant in variants:
            yield f"domain.yml:{name}", variant.get("text", "")
    for path in sorted((ROOT / "actions").glob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.JoinedStr):
                yield (
                    f"{path.name}:{node.lineno}",
                    "".join(v.value for v in node.values if isinstance(v, ast.Constant)),
                )
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield f"{path.name}:{node.lineno}", node.value


def offered_dates():
    found = set()
    for where, text in _texts():
        if "date" not in text.lower() and "end" not in text.lower():
            continue
        for group in _OFFER.finditer(text):
            for example in re.findall(r'"([^"]+)"', group.group(1)):
                found.add((where.split(":")[0], example))
    return sorted(found)


def test_examples_are_found():
    examples = {example for _, example in offered_dates()}
    assert {"Dec 15", "end of next month"} <= examples, examples


@pytest.mark.parametrize("where, example", offered_dates())
def test_offered_example_is_understood(where, example):
    today = company_today()  # the customers' today, as the action server reads their dates
    parsed = parse_date(example, today)
    assert parsed is not None, f"{where} offers {example!r}, which the parser does not read"
    assert today <= parsed <= today + timedelta(days=400), (where, example, parsed)
