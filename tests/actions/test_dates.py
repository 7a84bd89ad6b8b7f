from datetime import date

import pytest

from actions.dates import parse_end_date

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Dec 15", date(2026, 12, 15)),
        ("2026-12-31", date(2026, 12, 31)),
        ("end of next month", date(2026, 12, 31)),
        ("end of the month", date(2026, 11, 30)),
        ("March 3", date(2027, 3, 3)),            # passed this year -> next year
        ("15th of January", date(2027, 1, 15)),
        ("end of January", date(2027, 1, 31)),
        ("in 2 weeks", date(2026, 12, 6)),
        ("in a month", date(2026, 12, 22)),
        ("tomorrow", date(2026, 11, 23)),
        ("2020-01-01", date(2020, 1, 1)),          # explicit year kept: the backend refuses it
    ],
)
def test_dates(text, expected):
    assert parse_end_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", None, "1", "2", "3", "hello", "as soon as possible"])
def test_not_dates(text):
    assert parse_end_date(text, TODAY) is None
