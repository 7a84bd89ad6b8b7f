"""The end of a service as customers say it (contract/vocabulary/ends.py)."""

from datetime import date

import pytest

from contract.vocabulary.ends import read_end_when

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    "text, expected",
    [
        # the latest end the backend allows (the action asks the backend for it)
        ("as late as possible", ("latest", None)),
        ("as late as you can possibly make it", ("latest", None)),
        ("fine, whatever the latest allowed date is then", ("latest", None)),
        ("the latest date possible please", ("latest", None)),
        ("as far out as you can", ("latest", None)),
        ("the last possible day", ("latest", None)),
        # not the latest: a date, or "at the latest"
        ("the last day of next month", ("date", date(2027, 1, 31))),
        ("the 20th at the latest", ("date", date(2026, 12, 20))),
        # the end of the billing period, however it is called
        ("just whenever the current billing period ends", ("end_of_period", None)),
        ("when my current paid period runs out", ("end_of_period", None)),
        ("whenever the billing period ends", ("end_of_period", None)),
        ("whenever my billing period is over", ("end_of_period", None)),
        ("at renewal", ("end_of_period", None)),
        ("as long as possible", ("latest", None)),
        ("as late as u can", ("latest", None)),
        # a date, the one said last
        ("the 20th, no wait, make that the 27th", ("date", date(2026, 12, 27))),
        ("january first", ("date", date(2027, 1, 1))),
    ],
)
def test_answers_to_the_end_question(text, expected):
    assert read_end_when(text, True, TODAY) == expected


def test_the_latest_is_an_answer_only():
    assert read_end_when("we'll stay as late as possible today", False, TODAY) is None
