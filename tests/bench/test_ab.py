"""bench.ab's verdict: a patch group is kept only when its gain exceeds the spread of the
repeats of the two arms compared."""

from bench.ab import ALL, NONE, summarise


def _runs(cpu):
    return [{"rasa_cpu_ms": c, "turns_per_s": 10.0, "p50_ms": 100.0, "errors": 0} for c in cpu]


def test_gain_beyond_the_noise_is_kept_and_gain_within_it_dropped():
    result = summarise(
        {
            ALL: _runs([20.0, 22.0]),  # spread 2
            "without big": _runs([30.0, 31.0]),  # gain 9.5 > 2
            "without small": _runs([21.0, 24.0]),  # gain 1.5 < spread 3
            NONE: _runs([70.0, 90.0]),  # spread 20: no part in a verdict
        },
        ["big", "small"],
    )
    assert result["groups"]["big"] == {"gain_ms": 9.5, "noise_ms": 2.0, "keep": True}
    assert result["groups"]["small"] == {"gain_ms": 1.5, "noise_ms": 3.0, "keep": False}
    assert result["all_gain_ms"] == 59.0


def test_a_gain_equal_to_the_noise_is_not_kept():
    result = summarise(
        {ALL: _runs([20.0, 21.0]), "without g": _runs([21.0, 22.0]), NONE: _runs([50.0, 50.0])}, ["g"]
    )
    assert result["groups"]["g"]["keep"] is False
