#!/usr/bin/env python
"""Score a trained NLU model on a labelled Rasa NLU YAML file (default: the held-out short answers).

Usage:
    scripts/eval_short_answers.py --model <model.tar.gz> [--data eval/short_answers_heldout.yml]
        [--json out.json]

Two views are printed, aggregate figures only (no rows: the default file is held out, it is
never trained on and its rows are not read for tuning):

- **own intents**: the assistant's intent names as in domain.yml (thanks is not goodbye);
  `nlu_fallback` counts as `out_of_scope`, both are "not understood" for the dialogue;
- **eval labels**: predictions and gold labels mapped with eval/intent_mapping.yml, as
  scripts/eval_nlu.py does for the public set (thanks -> goodbye, bot_challenge ->
  out_of_scope, ...).

Exit codes as scripts/eval_nlu.py: 0 ok, 2 missing/invalid input, 3 unmapped intent.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_nlu import (  # noqa: E402
    DEFAULT_MAPPING,
    OOS,
    EvalError,
    compute_metrics,
    format_report,
    load_and_predict,
    map_intent,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "eval" / "short_answers_heldout.yml"
FALLBACK = "nlu_fallback"
# [text](entity) or [text]{"entity": ...}: keep the text
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]*\})")


def load_yaml_rows(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file (entity annotations reduced to their text)."""
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"evaluation data not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = []
    for item in data.get("nlu") or []:
        if "intent" not in item:
            continue
        for line in str(item.get("examples") or "").splitlines():
            text = line.strip()
            if text.startswith("- "):
                rows.append((ANNOTATION.sub(r"\1", text[2:].strip()), str(item["intent"])))
    if not rows:
        raise EvalError(f"{path}: no examples")
    return rows


def own_label(intent: Optional[str]) -> str:
    """The assistant's own intent, with fallback (or no intent) read as out of scope."""
    return OOS if not intent or intent == FALLBACK else intent


def evaluate(
    rows: Sequence[Tuple[str, str]], intents: Sequence[Optional[str]], mapping: Dict[str, str]
) -> dict:
    """Metrics in both views for gold rows and predicted intent names."""
    gold = [g for _, g in rows]
    own = compute_metrics(gold, [own_label(i) for i in intents])
    mapped = compute_metrics(
        [map_intent(g, mapping) for g in gold], [map_intent(i, mapping) for i in intents]
    )
    return {"own_intents": own, "eval_labels": mapped}


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="trained model (.tar.gz)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="Rasa NLU YAML with intents and examples")
    ap.add_argument("--mapping", default=str(DEFAULT_MAPPING), help="intent mapping YAML")
    ap.add_argument("--json", help="write the aggregate metrics to this JSON file")
    args = ap.parse_args(argv)
    try:
        rows = load_yaml_rows(Path(args.data))
        mapping, preds, elapsed = load_and_predict(rows, args.mapping, args.model)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    intents = [i for i, _ in preds]
    unmapped = sorted({i for i in intents + [g for _, g in rows] if i and i not in mapping})
    if unmapped:
        print(f"error: intents missing from {args.mapping}: {', '.join(unmapped)}", file=sys.stderr)
        return 3
    metrics = evaluate(rows, intents, mapping)
    print(f"model: {args.model}\ndata:  {args.data}\npredicted in {elapsed:.1f}s")
    print("\n== own intents (nlu_fallback counted as out_of_scope) ==")
    print(format_report(metrics["own_intents"], top=0).split("\ntop 0")[0])
    print("\n== eval labels (eval/intent_mapping.yml) ==")
    print(format_report(metrics["eval_labels"], top=0).split("\ntop 0")[0])
    if args.json:
        Path(args.json).write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
