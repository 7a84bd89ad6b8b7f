from datetime import date

import pytest

from contract.vocabulary.dates import human_date, month_without_day, parse_date

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Dec 15", date(2026, 12, 15)),
        ("2026-12-31", date(2026, 12, 31)),
        ("end of next month", date(2026, 12, 31)),
        ("end of the month", date(2026, 11, 30)),
        ("March 3", date(2027, 3, 3)),  # passed this year -> next year
        ("15th of January", date(2027, 1, 15)),
        ("end of January", date(2027, 1, 31)),
        ("in 2 weeks", date(2026, 12, 6)),
        ("in a month", date(2026, 12, 22)),
        ("tomorrow", date(2026, 11, 23)),
        ("2020-01-01", date(2020, 1, 1)),  # explicit year kept: the backend refuses it
        ("the 15th of next month", date(2026, 12, 15)),
        ("on the 15th next month", date(2026, 12, 15)),
        ("the last day of next month", date(2026, 12, 31)),
        ("end of next month please", date(2026, 12, 31)),
        ("next Friday", date(2026, 11, 27)),  # 2026-11-22 is a Sunday
        ("Dec 19", date(2026, 12, 19)),
        ("can it end on the 30th?", date(2026, 11, 30)),
        ("a week from today", date(2026, 11, 29)),
        ("christmas eve", date(2026, 12, 24)),
        ("dec. 31", date(2026, 12, 31)),
        ("I'd like it to end on December 19th", date(2026, 12, 19)),
        # counted from another date (2026-11-27 is the Friday after TODAY)
        ("a week from friday", date(2026, 12, 4)),
        ("the day after christmas", date(2026, 12, 26)),
        ("the day after tomorrow", date(2026, 11, 24)),
        ("two days before the end of next month", date(2026, 12, 29)),
        # in the past: read, so that the backend's answer ("today or later") can be said
        ("can you backdate it to yesterday?", date(2026, 11, 21)),
        ("the last day of the year", date(2026, 12, 31)),
        ("end of next year", date(2027, 12, 31)),
        # typos and shorthand
        ("end of nxt month", date(2026, 12, 31)),
        ("febuary 1st", date(2027, 2, 1)),
        ("decmber 28", date(2026, 12, 28)),
        ("the 15th of next mnth", date(2026, 12, 15)),
        # spans from today, a weekday a week on, the nth weekday of a month, the middle of a month
        ("a month from today", date(2026, 12, 22)),
        ("two months from now", date(2027, 1, 22)),
        ("3 weeks from now", date(2026, 12, 13)),
        ("the friday after next", date(2026, 12, 4)),
        ("friday week", date(2026, 12, 4)),
        ("first monday of next month", date(2026, 12, 7)),
        ("the second tuesday in january", date(2027, 1, 12)),
        ("the last friday of the month", date(2026, 11, 27)),
        ("mid january", date(2027, 1, 15)),
        ("the middle of next month", date(2026, 12, 15)),
        ("mid-feb", date(2027, 2, 15)),
        ("mid month", date(2026, 12, 15)),  # the 15th of this month has passed
        # a day of the month with filler words around it
        ("ok the 30th then", date(2026, 11, 30)),
        ("the 24th works", date(2026, 11, 24)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "1",
        "2",
        "3",
        "hello",
        "as soon as possible",
        "match",
        "the other one",
        "a week",
        "the 3rd floor",
    ],
)
def test_not_dates(text):
    assert parse_date(text, TODAY) is None


def test_human_dates():
    assert human_date(date(2026, 12, 19), TODAY) == "Saturday, December 19"
    assert human_date("2027-01-31", TODAY) == "Sunday, January 31, 2027"
    assert "None" not in human_date(None, TODAY)


@pytest.mark.parametrize(
    "text, expected",
    [
        # a day in words next to a month
        ("january first", date(2027, 1, 1)),
        ("the first of january", date(2027, 1, 1)),
        ("jan first", date(2027, 1, 1)),
        ("the twenty-first of december", date(2026, 12, 21)),
        ("december thirty first", date(2026, 12, 31)),
        ("the first monday of january", date(2027, 1, 4)),
        # "last <weekday>": the one before today (2026-11-22 is a Sunday), refused by the backend
        ("last friday", date(2026, 11, 20)),
        ("can you backdate it to last sunday?", date(2026, 11, 15)),
        # a correction inside the answer: the date said last
        ("the 20th, no wait, make that the 27th", date(2026, 11, 27)),
        ("sorry typo, 12/28", date(2026, 12, 28)),
        ("dec 5. actually make it dec 6", date(2026, 12, 6)),
        ("wait, make it feb 1st instead", date(2027, 2, 1)),
        # ordinal typos
        ("on the 25st", date(2026, 11, 25)),
        ("the 23th of next month", date(2026, 12, 23)),
    ],
)
def test_days_in_words_past_weekdays_and_corrections(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("june 2028", date(2028, 6, 1)),
        ("march 2027", date(2027, 3, 1)),
        ("sometime in march", date(2027, 3, 1)),
        ("november", TODAY),  # this month: from today
        ("march 2026", date(2026, 3, 1)),  # past: the backend says so
        ("may", date(2027, 5, 1)),
        ("maybe", None),
        ("march 3", None),  # a day: parse_date's
        ("in march we move", None),
    ],
)
def test_a_month_without_a_day(text, expected):
    assert month_without_day(text, TODAY) == expected
    if expected is not None:
        assert parse_date(text, TODAY) is None  # no day is made up


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in a fortnight", date(2026, 12, 6)),
        ("a fortnight from now", date(2026, 12, 6)),
        ("in a couple of weeks", date(2026, 12, 6)),
        ("the start of next month", date(2026, 12, 1)),
        ("beginning of february", date(2027, 2, 1)),
        ("xmas", date(2026, 12, 25)),
        # a weekday with the day of the month: the day says which one (2026-11-27 is a Friday)
        ("friday the 27th", date(2026, 11, 27)),
        ("friday, the 4th of december", date(2026, 12, 4)),
        ("saturday dec 5", date(2026, 12, 5)),
        # a correction that names only the day keeps the month said before it
        ("the 15th of jan, no the 16th", date(2027, 1, 16)),
    ],
)
def test_more_ways_to_say_a_date(text, expected):
    assert parse_date(text, TODAY) == expected


def test_next_month_without_a_day():
    assert parse_date("sometime next month", TODAY) is None
    assert month_without_day("sometime next month", TODAY) == date(2026, 12, 1)
