"""Consistency of the NLU training data (no model needed).

- every annotated `reason` / `end_when` span normalises, through a `synonym:` entry or its own
  annotated value, to one of the values of docs/contracts.md ("Assistant vocabulary");
- `reason` spans are short (the words naming the reason, not the whole sentence), so the CRF
  learns to tag e.g. "moving" in "I'm moving to another state" and the synonym table can
  cover what it tags;
- no synonym maps one text to two values, and no example sits under two intents;
- the small intents the dialogue relies on have enough examples.
"""

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
NLU = REPO / "data" / "nlu"

VALUES = {
    "reason": {"price", "moving", "not_using", "switching", "service_quality", "other"},
    "end_when": {"immediate", "end_of_period"},
}
# [text](entity) or [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|(\{[^}]*\}))")


def _items():
    for path in sorted(NLU.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            yield item


def _lines(item):
    return [l.strip()[2:].strip() for l in item["examples"].splitlines() if l.strip()]


def _examples():
    """(intent, raw example) pairs."""
    return [(item["intent"], line) for item in _items() if "intent" in item for line in _lines(item)]


def _annotations():
    """(intent, entity, span text, annotated value or None)."""
    import json

    out = []
    for intent, line in _examples():
        for m in ANNOTATION.finditer(line):
            if m.group(2):
                out.append((intent, m.group(2), m.group(1), None))
            else:
                spec = json.loads(m.group(3))
                out.append((intent, spec["entity"], m.group(1), spec.get("value")))
    return out


def _synonyms():
    table = defaultdict(set)
    for item in _items():
        if "synonym" in item:
            for line in _lines(item):
                table[line.lower()].add(item["synonym"])
    return table


SYNONYMS = _synonyms()


def _normalised(span, value):
    """What EntitySynonymMapper makes of a span (it compares lower-cased text)."""
    if value is not None:
        return value
    targets = SYNONYMS.get(span.lower())
    return next(iter(targets)) if targets else span


@pytest.mark.parametrize("entity", sorted(VALUES))
def test_annotated_spans_normalise_to_contract_values(entity):
    bad = [
        (i, s, v) for i, e, s, v in _annotations() if e == entity and _normalised(s, v) not in VALUES[entity]
    ]
    assert not bad, bad


@pytest.mark.parametrize("entity", sorted(VALUES))
def test_annotated_spans_are_in_the_synonym_table(entity):
    """Also what the CRF tags (the span text) maps, not only the annotation's own value."""
    missing = [
        s
        for _, e, s, _ in _annotations()
        if e == entity and s.lower() not in SYNONYMS and s.lower() not in VALUES[entity]
    ]
    assert not missing, missing


def test_synonym_targets_are_contract_values_and_unambiguous():
    allowed = set().union(*VALUES.values())
    for text, targets in SYNONYMS.items():
        assert len(targets) == 1, (text, targets)
        assert targets <= allowed, (text, targets)


def test_synonyms_agree_with_annotated_values():
    for _, _, span, value in _annotations():
        if value is not None and span.lower() in SYNONYMS:
            assert SYNONYMS[span.lower()] == {value}, (span, value)


def test_reason_spans_are_short():
    """A reason span names the reason ("moving", "too expensive"), not the whole sentence."""
    long = [s for _, e, s, _ in _annotations() if e == "reason" and len(s.split()) > 4]
    assert not long, long
    starts = ("i'm ", "i ", "we're ", "we ", "it's ", "its ", "because ", "the reason")
    padded = [s for _, e, s, _ in _annotations() if e == "reason" and s.lower().startswith(starts)]
    assert not padded, padded


def test_no_example_under_two_intents():
    def plain(line):
        return ANNOTATION.sub(lambda m: m.group(1), line).lower().strip()

    seen = defaultdict(set)
    for intent, line in _examples():
        seen[plain(line)].add(intent)
    clashes = {text: intents for text, intents in seen.items() if len(intents) > 1}
    assert not clashes, clashes


@pytest.mark.parametrize(
    "intent,minimum",
    [
        ("ask_equipment_return", 50),
        ("check_status", 50),
        ("revoke_cancellation", 50),
        ("bot_challenge", 40),
        ("goodbye", 70),
    ],
)
def test_small_intents_have_enough_examples(intent, minimum):
    counts = Counter(i for i, _ in _examples())
    assert counts[intent] >= minimum, counts[intent]


@pytest.mark.parametrize(
    "text,intent",
    [
        # bare stop words are `deny` (stop / skip in the dialogue)
        ("stop", "deny"),
        ("quit", "deny"),
        ("stop it", "deny"),
        ("nevermind", "deny"),
        ("forget it", "deny"),
        # thanks: "no thanks ..." is a no, "ok thanks" answers a question with yes
        ("no thanks, that's all", "deny"),
        ("ok thanks", "affirm"),
        ("ok thank you", "affirm"),
    ],
)
def test_decided_examples_are_in_the_data(text, intent):
    plain = {(i, ANNOTATION.sub(lambda m: m.group(1), l).lower()) for i, l in _examples()}
    assert (intent, text) in plain
