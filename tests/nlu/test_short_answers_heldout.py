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


def test_scores_read_fallback_as_out_of_scope_and_map_to_eval_labels(tmp_path):
    from eval_nlu import DEFAULT_MAPPING, load_mapping
    from eval_short_answers import evaluate

    data = tmp_path / "rows.yml"
    data.write_text(
        'version: "3.1"\nnlu:\n- intent: thanks\n  examples: |\n    - thanks a lot\n'
        "- intent: out_of_scope\n  examples: |\n    - what's the time in [Oslo](city)\n"
        "- intent: affirm\n  examples: |\n    - yes\n",
        encoding="utf-8",
    )
    rows = load_yaml_rows(data)
    assert rows == [
        ("thanks a lot", "thanks"),
        ("what's the time in Oslo", "out_of_scope"),
        ("yes", "affirm"),
    ]
    metrics = evaluate(rows, ["goodbye", "nlu_fallback", "deny"], load_mapping(DEFAULT_MAPPING))
    own, mapped = metrics["own_intents"], metrics["eval_labels"]
    assert own["accuracy"] == 1 / 3  # fallback is out of scope; goodbye is not thanks
    assert own["oos_recall"] == 1.0
    assert mapped["accuracy"] == 2 / 3  # thanks and goodbye are one eval label
