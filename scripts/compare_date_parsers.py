"""Compare date parsers on the end-date expressions customers write (docs/nlu.md, "Dates").

Runs each available parser on the same ~40 expressions, relative to a fixed today, and prints
hits per parser: ``dateparser`` alone, Microsoft Recognizers-Text (``recognizers-text-suite``,
if importable: it needs an old ``emoji``, so it is run from a scratch virtualenv, never the
project's), and the project's reader (`contract.vocabulary.dates.parse_date`: a few rules, then
dateparser). Usage: ``python scripts/compare_date_parsers.py [--only recognizers]``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

TODAY = date(2026, 12, 1)  # a Tuesday
D = lambda y, m, d: date(y, m, d)  # noqa: E731
CASES = [
    ("the 15th of next month", D(2027, 1, 15)),
    ("15th of next month", D(2027, 1, 15)),
    ("on the 15th next month", D(2027, 1, 15)),
    ("end of next month", D(2027, 1, 31)),
    ("the end of next month", D(2027, 1, 31)),
    ("the last day of next month", D(2027, 1, 31)),
    ("last day of this month", D(2026, 12, 31)),
    ("end of the month", D(2026, 12, 31)),
    ("end of this month", D(2026, 12, 31)),
    ("next Friday", D(2026, 12, 4)),
    ("friday", D(2026, 12, 4)),
    ("this saturday", D(2026, 12, 5)),
    ("next monday please", D(2026, 12, 7)),
    ("Dec 19", D(2026, 12, 19)),
    ("December 19th", D(2026, 12, 19)),
    ("19 December", D(2026, 12, 19)),
    ("the 19th of december", D(2026, 12, 19)),
    ("dec. 31", D(2026, 12, 31)),
    ("Jan 5", D(2027, 1, 5)),
    ("january 15 2027", D(2027, 1, 15)),
    ("2027-01-31", D(2027, 1, 31)),
    ("12/24", D(2026, 12, 24)),
    ("12/24/2026", D(2026, 12, 24)),
    ("1/15/27", D(2027, 1, 15)),
    ("tomorrow", D(2026, 12, 2)),
    ("today", D(2026, 12, 1)),
    ("in two weeks", D(2026, 12, 15)),
    ("in 10 days", D(2026, 12, 11)),
    ("in a month", D(2027, 1, 1)),
    ("a week from today", D(2026, 12, 8)),
    ("end of january", D(2027, 1, 31)),
    ("the end of February", D(2027, 2, 28)),
    ("Christmas eve", D(2026, 12, 24)),
    ("new year's eve", D(2026, 12, 31)),
    ("can it end on the 20th?", D(2026, 12, 20)),
    ("on the 3rd", D(2026, 12, 3)),
    ("by december 15 please", D(2026, 12, 15)),
    ("let's say the 28th of december", D(2026, 12, 28)),
    ("first of next month", D(2027, 1, 1)),
    ("march 1st", D(2027, 3, 1)),
]


def with_dateparser(text: str):
    from dateparser.search import search_dates

    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime(2026, 12, 1, 12)}
    found = search_dates(text, languages=["en"], settings=settings)
    return found[0][1].date() if found else None


def with_recognizers(text: str):
    from recognizers_date_time import Culture, recognize_datetime

    for result in recognize_datetime(text, Culture.English, reference=datetime(2026, 12, 1, 12)):
        values = result.resolution.get("values") or []
        for value in values:
            kind = value.get("type")
            if kind == "date":
                day = date.fromisoformat(value["value"])
                if day >= TODAY or value is values[-1]:
                    return day
            if kind == "daterange":
                if value.get("Mod") == "end" or value.get("timex", "").count("-") == 1:
                    return date.fromisoformat(value["end"]) - timedelta(days=1)
                return date.fromisoformat(value["start"])
    return None


def with_project(text: str):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from contract.vocabulary.dates import parse_date

    return parse_date(text, TODAY)


PARSERS = {"dateparser": with_dateparser, "recognizers": with_recognizers, "project": with_project}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(PARSERS))
    args = parser.parse_args()
    names = [args.only] if args.only else list(PARSERS)
    hits = {name: 0 for name in names}
    for text, expected in CASES:
        cells = []
        for name in names:
            try:
                got = PARSERS[name](text)
            except ImportError:
                got = "n/a"
            except Exception as exc:  # a parser crashing on an input counts as a miss
                got = f"error {type(exc).__name__}"
            ok = got == expected
            hits[name] += ok
            cells.append(f"{name}={got}{'' if ok else ' x'}")
        print(f"{text!r:36} want {expected}  " + "  ".join(cells))
    print("hits: " + ", ".join(f"{name} {hits[name]}/{len(CASES)}" for name in names))


if __name__ == "__main__":
    main()
