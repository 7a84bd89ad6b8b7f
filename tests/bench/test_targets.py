"""The benchmark's verdicts on the speed targets (the figures come from `make bench`)."""

from bench.__main__ import check_targets


def test_verdicts_say_met_or_by_how_much_it_was_missed():
    results = {
        "assistant": [{"concurrency": 1, "p50_ms": 14.0}, {"concurrency": 20, "p95_ms": 900.0}],
        "ratios": [{"concurrency": 20, "throughput_ratio": 1.7}],
        "training_s": 121.5,
    }
    verdicts = {t["target"]: t["verdict"] for t in check_targets(results)}
    assert verdicts == {
        "throughput at 20 customers >= 5x reference": "MISSED by 3.3",
        "single-customer p50 <= 15 ms": "met",
        "p95 at 20 customers <= 150 ms": "MISSED by 750.0",
        "training <= 120 s": "MISSED by 1.5",
    }


def test_a_run_without_the_reference_or_training_says_so():
    verdicts = [t["verdict"] for t in check_targets({"assistant": [{"concurrency": 1, "p50_ms": 9}]})]
    assert verdicts == [
        "not measured in this run",
        "met",
        "not measured in this run",
        "not measured in this run",
    ]
