"""Parsing of the end date a customer types ("Dec 15", "2026-12-31", "end of next month").

All free-date parsing of the assistant lives here. Whether a date is allowed (future, not too
far) is the backend's decision: the quote endpoint answers 422 for a date it refuses.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Optional

from dateutil import parser as du_parser
from dateutil.relativedelta import relativedelta

_MONTH_END = re.compile(r"\b(?:the\s+)?end\s+of\s+(?:the\s+)?(this|next|the)?\s*month\b", re.I)
_MONTH_END_NAMED = re.compile(r"\b(?:the\s+)?end\s+of\s+([a-z]{3,9})\b", re.I)
_IN_N = re.compile(r"\bin\s+(\d{1,3}|a|one|two|three|four|six)\s+(day|week|month)s?\b", re.I)
_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "six": 6}
_HAS_DIGIT_OR_MONTH = re.compile(
    r"\d|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.I
)


def _last_day(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def parse_end_date(text: Optional[str], today: Optional[date] = None) -> Optional[date]:
    """The date meant by ``text``, or None when there is none.

    A day and month without a year that have already passed this year mean next year.
    """
    if not text:
        return None
    today = today or date.today()
    s = " ".join(str(text).strip().split())
    if not s:
        return None
    low = s.lower()

    if low in ("today",):
        return today
    if low in ("tomorrow",):
        return today + timedelta(days=1)

    m = _MONTH_END.search(low)
    if m:
        which = m.group(1)
        base = today + relativedelta(months=1) if which == "next" else today
        return _last_day(base)

    m = _IN_N.search(low)
    if m:
        word = m.group(1).lower()
        n = int(word) if word.isdigit() else _WORDS[word]
        unit = m.group(2)
        if unit == "day":
            return today + timedelta(days=n)
        if unit == "week":
            return today + timedelta(weeks=n)
        return today + relativedelta(months=n)

    m = _MONTH_END_NAMED.search(low)
    if m and m.group(1)[:3] in {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
    }:
        try:
            first = du_parser.parse(f"1 {m.group(1)} {today.year}").date()
        except (ValueError, OverflowError):
            first = None
        if first is not None:
            if _last_day(first) < today:
                first = first.replace(year=first.year + 1)
            return _last_day(first)

    if not _HAS_DIGIT_OR_MONTH.search(low):
        return None
    # A bare small number is a menu choice, not a date.
    if re.fullmatch(r"\d{1,2}", low):
        return None
    explicit_year = bool(re.search(r"\b\d{4}\b", low)) or bool(
        re.search(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b", low)
    )
    try:
        parsed = du_parser.parse(s, default=du_parser.parse(today.isoformat()), fuzzy=True)
    except (ValueError, OverflowError):
        return None
    result = parsed.date()
    if not explicit_year and result < today:
        result = result.replace(year=result.year + 1)
    return result
