"""Tests for scripts/eval_nlu.py (metric code, no model) and eval/intent_mapping.yml."""

import csv
import importlib.util
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _load_script():
    spec = importlib.util.spec_from_file_location("eval_nlu", REPO / "scripts" / "eval_nlu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ev = _load_script()


@pytest.fixture
def tiny_csv(tmp_path):
    rows = [
        ("cancel my internet", "cancel_service"),
        ("close my account", "cancel_service"),
        ("refund please", "ask_refund"),
        ("what do I owe", "ask_balance"),
        ("yes", "affirm"),
        ("nope", "deny"),
        ("weather tomorrow", "out_of_scope"),
        ("tell me a joke", "out_of_scope"),
    ]
    path = tmp_path / "tiny.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "intent_source", "intent_mapped"])
        for text, label in rows:
            w.writerow([text, "handmade", label])
    return path


def test_load_rows(tiny_csv):
    rows = ev.load_rows(tiny_csv)
    assert len(rows) == 8
    assert rows[0] == ("cancel my internet", "cancel_service")


def test_missing_data_file_raises(tmp_path):
    with pytest.raises(ev.EvalError, match="not found"):
        ev.load_rows(tmp_path / "nope.csv")


def test_missing_column_raises(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nhi,greet\n", encoding="utf-8")
    with pytest.raises(ev.EvalError, match="intent_mapped"):
        ev.load_rows(path)


def test_main_exits_2_when_data_missing(tmp_path, capsys):
    code = ev.main(["--model", str(tmp_path / "m.tar.gz"), "--data", str(tmp_path / "x.csv")])
    assert code == 2
    assert "evaluation data not found" in capsys.readouterr().err


def test_main_exits_2_when_model_missing(tiny_csv, tmp_path, capsys):
    code = ev.main(["--model", str(tmp_path / "m.tar.gz"), "--data", str(tiny_csv)])
    assert code == 2
    assert "model not found" in capsys.readouterr().err


def test_metrics_on_handmade_predictions(tiny_csv):
    gold = [g for _, g in ev.load_rows(tiny_csv)]
    # one cancel row predicted out_of_scope, one out_of_scope row predicted ask_refund
    pred = [
        "cancel_service",
        "out_of_scope",
        "ask_refund",
        "ask_balance",
        "affirm",
        "deny",
        "out_of_scope",
        "ask_refund",
    ]
    m = ev.compute_metrics(gold, pred)
    assert m["n"] == 8
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["oos_recall"] == pytest.approx(1 / 2)
    cs = m["per_label"]["cancel_service"]
    assert cs["precision"] == pytest.approx(1.0)
    assert cs["recall"] == pytest.approx(0.5)
    assert cs["f1"] == pytest.approx(2 / 3)
    ref = m["per_label"]["ask_refund"]
    assert ref["precision"] == pytest.approx(0.5)
    assert ref["f1"] == pytest.approx(2 / 3)
    # macro-F1 over the in-scope gold labels: cancel 2/3, refund 2/3, balance/affirm/deny 1
    assert m["macro_f1_in_scope"] == pytest.approx((2 / 3 + 2 / 3 + 3) / 5)
    assert {"gold": "cancel_service", "pred": "out_of_scope", "count": 1} in m["confusions"]
    report = ev.format_report(m)
    assert "accuracy:             0.7500" in report
    assert "cancel_service -> out_of_scope" in report


def test_perfect_and_empty_oos():
    m = ev.compute_metrics(["greet", "deny"], ["greet", "deny"])
    assert m["accuracy"] == 1.0
    assert m["macro_f1_in_scope"] == 1.0
    assert m["oos_recall"] is None


def test_confusions_sorted_by_count():
    gold = ["a", "a", "a", "b"]
    pred = ["b", "b", "c", "a"]
    m = ev.compute_metrics(gold, pred)
    assert [c["count"] for c in m["confusions"]] == [2, 1, 1]
    assert m["confusions"][0] == {"gold": "a", "pred": "b", "count": 2}


def test_map_intent(tmp_path):
    mapping = {"cancel_now": "cancel_service", "nlu_fallback": "out_of_scope"}
    assert ev.map_intent("cancel_now", mapping) == "cancel_service"
    assert ev.map_intent(None, mapping) == "out_of_scope"
    with pytest.raises(KeyError):
        ev.map_intent("unknown", mapping)


# --- the mapping file against the training data ---------------------------------------

EVAL_LABELS = {
    "cancel_service",
    "ask_cancellation_fee",
    "ask_refund",
    "ask_balance",
    "request_human",
    "affirm",
    "deny",
    "greet",
    "goodbye",
    "out_of_scope",
}


def _training_intents():
    intents = set()
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" in item:
                intents.add(item["intent"])
    return intents


def test_mapping_covers_every_training_intent_and_fallback():
    mapping = ev.load_mapping(REPO / "eval" / "intent_mapping.yml")
    intents = _training_intents()
    assert intents, "no intents found in data/nlu"
    missing = (intents | {"nlu_fallback"}) - set(mapping)
    assert not missing, f"intents without a mapping: {sorted(missing)}"


def test_mapping_targets_are_eval_labels():
    mapping = ev.load_mapping(REPO / "eval" / "intent_mapping.yml")
    assert set(mapping.values()) <= EVAL_LABELS
    # every eval label can be predicted
    assert EVAL_LABELS <= set(mapping.values())


def test_mapping_has_no_stale_intents():
    mapping = ev.load_mapping(REPO / "eval" / "intent_mapping.yml")
    stale = set(mapping) - _training_intents() - {"nlu_fallback"}
    assert not stale, f"mapping lists intents not in data/nlu: {sorted(stale)}"


def test_training_intents_match_contract():
    contract = {
        "greet",
        "goodbye",
        "thanks",
        "affirm",
        "deny",
        "cancel_service",
        "cancel_now",
        "ask_cancellation_fee",
        "ask_refund",
        "ask_balance",
        "ask_equipment_return",
        "request_human",
        "check_status",
        "revoke_cancellation",
        "report_tracking",
        "inform",
        "give_reason",
        "request_code",
        "bot_challenge",
        "out_of_scope",
    }
    assert _training_intents() == contract
