"""The reports' statistics against published values (Newcombe 1998, Statistics in Medicine 17)."""

import pytest

from backend.reports import stats


def test_wilson_interval_matches_newcombe_1998_example():
    low, high = stats.wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_wilson_interval_of_extremes_stays_within_0_and_1():
    assert stats.wilson(0, 10)[0] == 0.0 and stats.wilson(10, 10)[1] == 1.0
    assert stats.wilson(0, 0) is None


def test_newcombe_difference_matches_the_papers_example():
    diff, low, high = stats.newcombe_difference(56, 70, 48, 80)
    assert (round(diff, 4), round(low, 4), round(high, 4)) == (0.2, 0.0524, 0.3339)
    assert stats.newcombe_difference(1, 2, 0, 0) is None


@pytest.mark.parametrize(
    "values, median, p90",
    [
        ([], None, None),
        ([5], 5.0, 5.0),
        ([180, 240, 240, 300, 480], 240.0, 480.0),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9.0),
        ([60, 600, 120], 120.0, 600.0),
    ],
)
def test_median_and_nearest_rank_percentile(values, median, p90):
    assert stats.median(values) == median
    assert stats.percentile(values, 90) == p90
