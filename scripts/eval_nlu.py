#!/usr/bin/env python
"""Evaluate a trained NLU model on a labelled CSV (default: the public evaluation set).

Usage:
    scripts/eval_nlu.py --model var/nlu-models/nlu.tar.gz \
        [--data ../shared/eval/nlu_public.csv] [--mapping eval/intent_mapping.yml] \
        [--json out.json] [--show-errors N]

The CSV needs the columns `text` and `intent_mapped` (the gold label). Each predicted intent
of the assistant is mapped to an eval label with the mapping file (several intents may map to
one label). Reported: accuracy, macro-F1 over the in-scope labels (all gold labels but
out_of_scope), out-of-scope recall, a per-label table and the most frequent confusions.

Exit codes: 0 ok, 2 missing/invalid input (data, mapping or model), 3 unmapped intent.
The metric functions import nothing from Rasa, so they can be tested without a model.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

REPO = Path(__file__).resolve().parent.parent
# the shared evaluation set beside the repository (never trained on)
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "nlu_public.csv"
DEFAULT_MAPPING = REPO / "eval" / "intent_mapping.yml"
OOS = "out_of_scope"


class EvalError(Exception):
    """Bad input: reported with exit code 2."""


def load_rows(path: Path) -> List[Tuple[str, str]]:
    """(text, gold label) pairs from a CSV with columns `text` and `intent_mapped`."""
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"evaluation data not found: {path}")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"text", "intent_mapped"} - set(reader.fieldnames or [])
        if missing:
            raise EvalError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        rows = [(r["text"], r["intent_mapped"].strip()) for r in reader if r["text"].strip()]
    if not rows:
        raise EvalError(f"{path}: no rows")
    return rows


def load_mapping(path: Path) -> Dict[str, str]:
    """Assistant intent -> eval label, from the `mapping:` key of a YAML file."""
    path = Path(path)
    if not path.is_file():
        raise EvalError(f"intent mapping not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    mapping = data.get("mapping") if isinstance(data, dict) else None
    if not isinstance(mapping, dict) or not mapping:
        raise EvalError(f"{path}: expected a non-empty `mapping:` dictionary")
    return {str(k): str(v) for k, v in mapping.items()}


def map_intent(intent: Optional[str], mapping: Dict[str, str]) -> str:
    """Eval label for a predicted intent; a missing prediction counts as out_of_scope."""
    if not intent:
        return OOS
    if intent not in mapping:
        raise KeyError(intent)
    return mapping[intent]


def compute_metrics(gold: Sequence[str], pred: Sequence[str], oos_label: str = OOS) -> dict:
    """Accuracy, per-label precision/recall/F1, macro-F1 over in-scope labels, OOS recall."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    n = len(gold)
    labels = sorted(set(gold) | set(pred))
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    confusions: Counter = Counter()
    for g, p in zip(gold, pred, strict=False):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
            confusions[(g, p)] += 1
    per_label = {}
    for lab in labels:
        prec = tp[lab] / (tp[lab] + fp[lab]) if tp[lab] + fp[lab] else 0.0
        rec = tp[lab] / (tp[lab] + fn[lab]) if tp[lab] + fn[lab] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_label[lab] = {
            "precision": prec,
            "recall": rec,
            "f1": f1,
            "support": tp[lab] + fn[lab],
        }
    # macro-F1 over the in-scope labels present in the gold data
    in_scope = sorted({g for g in gold if g != oos_label})
    macro_f1 = sum(per_label[label]["f1"] for label in in_scope) / len(in_scope) if in_scope else 0.0
    oos_support = tp[oos_label] + fn[oos_label]
    return {
        "n": n,
        "accuracy": sum(tp.values()) / n if n else 0.0,
        "macro_f1_in_scope": macro_f1,
        "oos_recall": tp[oos_label] / oos_support if oos_support else None,
        "oos_precision": per_label.get(oos_label, {}).get("precision"),
        "per_label": per_label,
        "confusions": [
            {"gold": g, "pred": p, "count": c}
            for (g, p), c in sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }


def format_report(metrics: dict, top: int = 20) -> str:
    oos = metrics["oos_recall"]
    lines = [
        f"rows:                 {metrics['n']}",
        f"accuracy:             {metrics['accuracy']:.4f}",
        f"macro-F1 (in-scope):  {metrics['macro_f1_in_scope']:.4f}",
        f"out-of-scope recall:  {oos:.4f}" if oos is not None else "out-of-scope recall:  n/a",
        "",
        f"{'label':<24}{'prec':>8}{'recall':>8}{'f1':>8}{'support':>9}",
    ]
    for lab, m in sorted(metrics["per_label"].items()):
        lines.append(f"{lab:<24}{m['precision']:>8.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}{m['support']:>9d}")
    lines += ["", f"top {top} confusions (gold -> predicted):"]
    for c in metrics["confusions"][:top]:
        lines.append(f"  {c['count']:>4}  {c['gold']} -> {c['pred']}")
    if not metrics["confusions"]:
        lines.append("  none")
    return "\n".join(lines)


def predict(model_path: Path, texts: Iterable[str]) -> List[Tuple[Optional[str], float]]:
    """(intent name, confidence) for every text, loading the model once."""
    import asyncio
    import logging

    logging.getLogger("rasa").setLevel(logging.ERROR)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structlog events (one debug line per parsed message, with its text) are not
    # configured outside the CLI and would print every row: errors only.
    configure_structlog(logging.ERROR)

    agent = Agent.load(str(model_path))
    if not agent.is_ready() and agent.processor is None:
        raise EvalError(f"could not load a model from {model_path}")

    async def run() -> List[Tuple[Optional[str], float]]:
        out = []
        for text in texts:
            parsed = await agent.parse_message(text)
            intent = parsed.get("intent") or {}
            out.append((intent.get("name"), float(intent.get("confidence") or 0.0)))
        return out

    return asyncio.run(run())


def load_and_predict(
    rows: List[Tuple[str, str]], mapping_path: str, model_path: str
) -> Tuple[Dict[str, str], List[Tuple[Optional[str], float]], float]:
    """The intent mapping, the model's prediction for every row and the seconds it took;
    EvalError when the mapping or the model is missing."""
    mapping = load_mapping(Path(mapping_path))
    model = Path(model_path)
    if not model.is_file():
        raise EvalError(f"model not found: {model}")
    t0 = time.time()
    preds = predict(model, [t for t, _ in rows])
    return mapping, preds, time.time() - t0


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="trained model (.tar.gz)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="CSV with text,intent_mapped")
    ap.add_argument("--mapping", default=str(DEFAULT_MAPPING), help="intent mapping YAML")
    ap.add_argument("--json", help="write metrics (and predictions) to this JSON file")
    ap.add_argument("--top", type=int, default=20, help="number of confusions to print")
    ap.add_argument(
        "--show-errors",
        type=int,
        default=0,
        metavar="N",
        help="print up to N misclassified rows (for error analysis only)",
    )
    args = ap.parse_args(argv)

    try:
        rows = load_rows(Path(args.data))
        mapping, preds, elapsed = load_and_predict(rows, args.mapping, args.model)
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    unmapped = sorted({i for i, _ in preds if i and i not in mapping})
    if unmapped:
        print(f"error: intents missing from {args.mapping}: {', '.join(unmapped)}", file=sys.stderr)
        return 3
    gold = [g for _, g in rows]
    pred = [map_intent(i, mapping) for i, _ in preds]
    metrics = compute_metrics(gold, pred)
    print(f"model: {args.model}\ndata:  {args.data}\npredicted in {elapsed:.1f}s")
    print(format_report(metrics, top=args.top))
    if args.show_errors:
        print(f"\nmisclassified (up to {args.show_errors}):")
        shown = 0
        for (text, g), (intent, conf), p in zip(rows, preds, pred, strict=False):
            if g != p and shown < args.show_errors:
                print(f"  [{g} -> {p} ({intent} {conf:.2f})] {text}")
                shown += 1
    if args.json:
        metrics["predictions"] = [
            {"text": t, "gold": g, "intent": i, "confidence": c, "pred": p}
            for (t, g), (i, c), p in zip(rows, preds, pred, strict=False)
        ]
        Path(args.json).write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
