#!/usr/bin/env python
"""Compare intent-classifier settings by cross-validation on our own training data (fast).

Rasa's ``rasa test nlu --cross-validation`` retrains the whole pipeline per fold and per
setting, runs the sentence encoder again each time and draws new folds on every call (no seed),
so comparing a few classifier settings with it costs many minutes per setting and the fold
noise is as large as the differences. This script instead:

* reads the intent examples of ``data/nlu`` (Rasa's own loader, entity annotations stripped);
* computes the all-MiniLM-L6-v2 sentence vectors once (the component's own encoder,
  ``bot.nlu.sentence_embeddings``), cached in ``var/`` by text;
* rebuilds the sentence-level sparse features of config.yml with scikit-learn (word 1-2-gram
  and char_wb n-gram counts, fitted on the training folds only; the small regex/lookup
  indicator features of RegexFeaturizer are left out) next to the dense vector times ``scale``;
* trains scikit-learn's LogisticRegression (what Rasa's LogisticRegressionClassifier wraps) for
  every setting on the *same* stratified folds (fixed seed), so the settings are compared on
  paired folds.

Reported per setting: accuracy, macro-F1 over all intents, and F1 of the short-answer intents.
It is a screening tool: the chosen setting is then checked with the real pipeline
(``rasa test nlu --cross-validation``), see docs/nlu.md.

    PYTHONPATH=$PWD .venv/bin/python scripts/cv_intent_settings.py --folds 3
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "var" / "embedding_cache.npz"
SHORT = ("affirm", "deny", "goodbye", "thanks", "greet", "request_human", "bot_challenge", "out_of_scope")


def load_examples(nlu: Path) -> Tuple[List[str], List[str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(nlu))
    texts, labels = [], []
    for message in data.intent_examples:
        if message.get("text") and message.get("intent"):
            texts.append(message.get("text"))
            labels.append(message.get("intent"))
    return texts, labels


def embeddings(texts: Sequence[str]) -> np.ndarray:
    """MiniLM sentence vectors (unit length), cached by text."""
    cache: Dict[str, np.ndarray] = {}
    if CACHE.is_file():
        stored = np.load(CACHE, allow_pickle=False)
        cache = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=False))
    key = {t: hashlib.sha1(t.encode()).hexdigest() for t in texts}
    todo = sorted({t for t in texts if key[t] not in cache})
    if todo:
        from bot.nlu.sentence_embeddings import _Encoder

        encoder = _Encoder.shared(128)
        for start in range(0, len(todo), 64):
            chunk = todo[start : start + 64]
            for text, vector in zip(chunk, encoder.encode(chunk), strict=False):
                cache[key[text]] = vector
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.savez(CACHE, keys=np.array(list(cache)), vectors=np.stack(list(cache.values())))
    return np.stack([cache[key[t]] for t in texts])


def features(train: Sequence[str], test: Sequence[str], dense_train, dense_test, setting: dict):
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import CountVectorizer

    word = CountVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=(1, setting["word_max"]), lowercase=True)
    char = CountVectorizer(analyzer="char_wb", ngram_range=setting["char"], lowercase=True)
    parts_train = [word.fit_transform(train), char.fit_transform(train)]
    parts_test = [word.transform(test), char.transform(test)]
    scale = setting["scale"]
    x_train = hstack(parts_train + [csr_matrix(dense_train * scale)]).tocsr()
    x_test = hstack(parts_test + [csr_matrix(dense_test * scale)]).tocsr()
    return x_train, x_test


def run(settings: List[dict], texts: List[str], labels: List[str], folds: int, seed: int) -> List[dict]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    dense = embeddings(texts)
    y = np.array(labels)
    splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(texts, y))
    results = []
    for setting in settings:
        started = time.perf_counter()
        pred = np.empty(len(y), dtype=object)
        for train_idx, test_idx in splits:
            x_train, x_test = features(
                [texts[i] for i in train_idx],
                [texts[i] for i in test_idx],
                dense[train_idx],
                dense[test_idx],
                setting,
            )
            clf = LogisticRegression(
                C=setting["C"],
                class_weight=setting["class_weight"],
                solver="lbfgs",
                max_iter=setting.get("max_iter", 200),
                tol=1e-4,
                random_state=42,
            )
            clf.fit(x_train, y[train_idx])
            pred[test_idx] = clf.predict(x_test)
        per = f1_score(y, pred, labels=list(SHORT), average=None)
        results.append(
            {
                **{k: (list(v) if isinstance(v, tuple) else v) for k, v in setting.items()},
                "accuracy": float(accuracy_score(y, pred)),
                "macro_f1": float(f1_score(y, pred, average="macro")),
                "short_f1": {lab: round(float(f), 3) for lab, f in zip(SHORT, per, strict=False)},
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        r = results[-1]
        print(
            f"C={setting['C']:<5} cw={str(setting['class_weight']):<9} scale={setting['scale']:<4} "
            f"char={setting['char']} word<= {setting['word_max']}: acc {r['accuracy']:.4f} "
            f"macroF1 {r['macro_f1']:.4f}  {r['seconds']}s",
            flush=True,
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nlu", default=str(ROOT / "data" / "nlu"))
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--C", default="1", help="comma-separated C values")
    ap.add_argument("--class-weight", default="balanced", help="comma-separated: balanced, none")
    ap.add_argument("--scale", default="3", help="comma-separated scales of the sentence vector")
    ap.add_argument("--char", default="2-5", help="comma-separated char_wb n-gram ranges, e.g. 2-5,1-5")
    ap.add_argument("--word-max", default="2", help="comma-separated largest word n-gram")
    ap.add_argument("--json", help="write the results to this JSON file")
    args = ap.parse_args(argv)

    def ranges(spec: str) -> List[Tuple[int, int]]:
        return [(int(a), int(b)) for a, b in (r.split("-") for r in spec.split(","))]

    settings = [
        {"C": c, "class_weight": None if cw == "none" else cw, "scale": s, "char": ch, "word_max": w}
        for c, cw, s, ch, w in itertools.product(
            [float(v) for v in args.C.split(",")],
            args.class_weight.split(","),
            [float(v) for v in args.scale.split(",")],
            ranges(args.char),
            [int(v) for v in args.word_max.split(",")],
        )
    ]
    texts, labels = load_examples(Path(args.nlu))
    print(
        f"{len(texts)} examples, {len(set(labels))} intents, {args.folds} folds (seed {args.seed})",
        flush=True,
    )
    results = run(settings, texts, labels, args.folds, args.seed)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
