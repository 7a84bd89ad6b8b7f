"""The held-out short-answer set (eval/short_answers_heldout.yml) stays held out.

It was written before the NLU work of issue 10 and is only scored (scripts/eval_short_answers.py);
no row of it, up to case, punctuation and spacing, may appear among the training examples.
"""

import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from eval_short_answers import DEFAULT_DATA, load_yaml_rows  # noqa: E402


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).replace("'", "").split())


def _training_texts() -> set:
    return {_norm(t) for path in sorted((REPO / "data" / "nlu").glob("*.yml")) for t, _ in _safe_rows(path)}


def _safe_rows(path: Path):
    import yaml

    if not any(
        "intent" in i for i in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []
    ):
        return []
    return load_yaml_rows(path)


def test_heldout_rows_are_not_training_examples():
    held = load_yaml_rows(DEFAULT_DATA)
    overlap = sorted({_norm(t) for t, _ in held} & _training_texts())
    assert overlap == []


def test_heldout_set_covers_the_short_answer_intents():
    counts = Counter(intent for _, intent in load_yaml_rows(DEFAULT_DATA))
    assert sum(counts.values()) >= 240
    for intent in ("affirm", "deny", "goodbye", "thanks", "greet", "request_human", "bot_challenge"):
        assert counts[intent] >= 20, intent
    assert counts["out_of_scope"] >= 40


def test_heldout_rows_are_unique():
    texts = [_norm(t) for t, _ in load_yaml_rows(DEFAULT_DATA)]
    assert [t for t, c in Counter(texts).items() if c > 1] == []
