"""Dates as customers write them ("the 15th of next month", "end of next month", "next Friday",
"Dec 19", "2026-12-31") and dates as the assistant writes them ("Saturday, December 19").

Relative expressions are read against the ``today`` each caller passes: today in the company's
time zone (``today_in(zone)``, the zone being the ``COMPANY_TIMEZONE`` setting of the caller's
process; nothing here reads a setting or a file). A few phrasings that `dateparser` gets wrong or does not know
(month ends, "the Nth of next month", "next <weekday>") are read by the rules below; the rest
goes to `dateparser` (see docs/nlu.md for the comparison with Recognizers-Text).
"""

from __future__ import annotations

import calendar
import difflib
import re
import zoneinfo
from datetime import date, datetime, timedelta, timezone
from typing import Optional

from dateutil.relativedelta import relativedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|sday|nesday|rsday|urday)?"
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "couple of": 2,
    "a couple of": 2,
}
_UNIT_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_TEEN_ORDINALS = [
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
# "first" .. "thirty-first" (also "twenty first", "twentyfirst"): the days of a month in words
_ORDINAL_WORDS = {
    **{word: i + 1 for i, word in enumerate(_UNIT_ORDINALS)},
    **{word: i + 10 for i, word in enumerate(_TEEN_ORDINALS)},
    "twentieth": 20,
    "thirtieth": 30,
    **{f"twenty{sep}{word}": 21 + i for i, word in enumerate(_UNIT_ORDINALS) for sep in ("-", " ", "")},
    **{f"thirty{sep}first": 31 for sep in ("-", " ", "")},
}


def now_utc() -> datetime:
    """The current moment (aware, UTC): the clock every "today" of both processes is read from
    (through `today_in`); tests move it to a chosen moment."""
    return datetime.now(timezone.utc)


def today_in(zone: str, now: Optional[datetime] = None) -> date:
    """The date in the time zone ``zone`` (an IANA name such as ``America/New_York``) at the aware
    moment ``now`` (default: the current moment, `now_utc()`)."""
    return (now or now_utc()).astimezone(zoneinfo.ZoneInfo(zone)).date()  # ZoneInfo caches its zones


def last_day(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


_HOLIDAYS = {
    "christmas eve": (12, 24),
    "christmas": (12, 25),
    "xmas": (12, 25),
    "x-mas": (12, 25),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
    "new year's day": (1, 1),
    "new year": (1, 1),
}


def _next_day_of_month(day: int, today: date) -> Optional[date]:
    """The next date (today or later) whose day of the month is ``day``."""
    for months in range(0, 3):
        base = today + relativedelta(months=months)
        try:
            candidate = base.replace(day=day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


_SPAN = r"(a|an|one|two|three|four|\d{1,2})\s+(day|week)s?"
# Words that may follow "the 20th" in an answer without making it something else than a date.
_AFTER_DAY = (
    r"(?:then|please|pls|works|work|would|will|is|if|is fine|thanks|thank|ok|okay|instead|and|at|"
    r"latest|or|for|so|that|should|sounds|maybe|probably|thx|too)"
)


_MONTH_ABBR = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_NAME = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_NTH = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}


def _month_named(word: str, today: date, offset_word: Optional[str] = None) -> date:
    """The first day of the month ``word`` names: "this"/"next"/"following" month, or a month
    name (the next one whose days are not all past)."""
    if word == "month":
        ahead = 1 if offset_word in ("next", "following") else 0
        return (today + relativedelta(months=ahead)).replace(day=1)
    month = _MONTH_ABBR.index(word[:3]) + 1
    first = date(today.year, month, 1)
    return first if last_day(first) >= today else date(today.year + 1, month, 1)


def _span_from_today(n: int, unit: str, today: date) -> date:
    if unit == "day":
        return today + timedelta(days=n)
    if unit == "week":
        return today + timedelta(weeks=n)
    if unit == "month":
        return today + relativedelta(months=n)
    return today + relativedelta(years=n)


def _rules(low: str, today: date) -> Optional[date]:
    low = re.sub(r"\b(a|one) fortnight\b|\bfortnight\b", "two weeks", low)
    # "the start of next month", "beginning of january": the first day of that month
    m = re.search(
        r"\b(?:the\s+)?(?:start|beginning)\s+of\s+(?:(this|next|the|following)\s+)?(month|"
        + _MONTH_NAME
        + r")\b",
        low,
    )
    if m and not (m.group(2) == "month" and m.group(1) in (None, "this", "the")):
        return _month_named(m.group(2), today, m.group(1))
    # "friday the 11th": the day of the month says which friday
    m = re.search(r"\b" + _WEEKDAY + r",?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?!\s+of\b)", low)
    if m and not re.search(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", low):
        return _next_day_of_month(int(m.group(3)), today)
    # a span counted from today: "a month from today", "3 weeks from now", "two days from today"
    m = re.search(
        r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s+(day|week|month|year)s?\s+from\s+(today|now)\b", low
    )
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
        return _span_from_today(n, m.group(2), today)
    # "the first monday of next month", "the 2nd friday in january", "the last friday of the month"
    m = re.search(
        r"\b(first|1st|second|2nd|third|3rd|fourth|4th|last)\s+" + _WEEKDAY + r"\s+(?:of|in)\s+"
        r"(?:(this|next|the|following)\s+)?(month|" + _MONTH_NAME + r")\b",
        low,
    )
    if m:
        first = _month_named(m.group(5), today, m.group(4))
        target = [w[:3] for w in WEEKDAYS].index(m.group(2)[:3])
        if m.group(1) == "last":
            end = last_day(first)
            return end - timedelta(days=(end.weekday() - target) % 7)
        found = first + timedelta(days=(target - first.weekday()) % 7 + 7 * (_NTH[m.group(1)] - 1))
        return found if found.month == first.month else None
    # "mid january", "the middle of next month", "mid-feb": the 15th of that month
    m = re.search(
        r"\b(?:mid|the middle of|middle of)[\s-]+(?:(this|next|the|following)\s+)?(month|"
        + _MONTH_NAME
        + r")\b",
        low,
    )
    if m:
        middle = _month_named(m.group(2), today, m.group(1)).replace(day=15)
        if middle < today and m.group(2) == "month" and m.group(1) in (None, "the"):
            middle = (middle + relativedelta(months=1)).replace(day=15)
        return middle
    # "the friday after next", "friday week": the weekday a week after the next one
    m = re.search(r"\b(?:the\s+)?" + _WEEKDAY + r"\s+(?:after\s+next|week)\b", low)
    if m and m.group(1):
        target = [w[:3] for w in WEEKDAYS].index(m.group(1)[:3])
        return today + timedelta(days=((target - today.weekday()) % 7 or 7) + 7)
    # a day or span counted from another date: "the day after christmas", "a week from friday",
    # "two days before the end of the month" (the other date read by these same rules)
    m = re.search(r"\b(?:the\s+)?day\s+(after|before)\s+(?!today\b)(.+)", low) or re.search(
        r"\b" + _SPAN + r"\s+(from|after|before)\s+(?!today\b|now\b)(.+)", low
    )
    if m:
        if len(m.groups()) == 2:
            direction, rest, days = m.group(1), m.group(2), 1
        else:
            n = _NUMBER_WORDS.get(m.group(1)) or int(m.group(1))
            direction, rest = m.group(3), m.group(4)
            days = n * (7 if m.group(2) == "week" else 1)
        base = parse_date(rest, today)
        if base is not None:
            return base + timedelta(days=-days if direction == "before" else days)
    if re.search(r"\byesterday\b", low):  # in the past: said back as such by the backend
        return today - timedelta(days=1)
    if re.fullmatch(r"(?:(?:as of|from|by|on|end)\s+)?today(?: please)?", low):
        return today
    if re.search(r"\b(tomorrow|tmrw|tmr)\b", low):
        return today + timedelta(days=1)
    m = re.search(
        r"\b(?:the\s+)?(?:end|last day|final day)\s+of\s+(?:the\s+)?(this|next|current|following)?\s*year\b",
        low,
    )
    if m:
        return date(today.year + (1 if m.group(1) in ("next", "following") else 0), 12, 31)
    m = re.search(
        r"\b(?:the\s+)?(?:end|last day|final day)\s+of\s+(?:the\s+)?"
        r"(this|next|current|following)?\s*month\b",
        low,
    )
    if m:
        offset = 1 if m.group(1) in ("next", "following") else 0
        return last_day(today + relativedelta(months=offset))
    m = re.search(
        r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+)?of\s+(?:the\s+)?"
        r"(this|next|following)\s+month\b",
        low,
    ) or re.search(
        r"\b(?:the\s+)?(" + "|".join(_ORDINAL_WORDS) + r")\s+of\s+(?:the\s+)?"
        r"(this|next|following)\s+month\b",
        low,
    )
    if m:
        day = int(m.group(1)) if m.group(1).isdigit() else _ORDINAL_WORDS[m.group(1)]
        base = today + relativedelta(months=0 if m.group(2) == "this" else 1)
        try:
            return base.replace(day=day)
        except ValueError:
            return None
    m = re.search(r"\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?next month\b", low)
    if m:
        try:
            return (today + relativedelta(months=1)).replace(day=int(m.group(1)))
        except ValueError:
            return None
    for name, (month, day) in _HOLIDAYS.items():
        if name in low:
            candidate = date(today.year, month, day)
            return candidate if candidate >= today else date(today.year + 1, month, day)
    m = re.search(r"\bnext month on the (\d{1,2})(?:st|nd|rd|th)?\b", low)
    if m:
        try:
            return (today + relativedelta(months=1)).replace(day=int(m.group(1)))
        except ValueError:
            return None
    m = re.search(
        r"\b(?:in|after)\s+(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s+"
        r"(day|week|month)s?\b",
        low,
    )
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
        unit = m.group(2)
        return today + (
            timedelta(days=n)
            if unit == "day"
            else timedelta(weeks=n)
            if unit == "week"
            else relativedelta(months=n)
        )
    if re.search(r"\bnext week\b", low):
        return today + timedelta(weeks=1)
    m = re.search(r"\b(?:last|past|previous)\s+" + _WEEKDAY + r"\b", low)
    if m and m.group(1):  # "backdate it to last friday": the one before today (the backend refuses it)
        target = [w[:3] for w in WEEKDAYS].index(m.group(1)[:3])
        return today - timedelta(days=(today.weekday() - target) % 7 or 7)
    m = re.search(r"\b(next|this|coming|on)?\s*" + _WEEKDAY + r"\b", low)
    if m and m.group(2) and not _EXPLICIT.search(low):  # "friday, the 11th of december": the date
        target = [w[:3] for w in WEEKDAYS].index(m.group(2)[:3])
        ahead = (target - today.weekday()) % 7
        if ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    # "the 20th" (also "ok the 20th then", "the 31st works"), not "the 3rd floor" / "the 2nd one"
    m = re.search(
        r"\b(?:on\s+)?the\s+(\d{1,2})(st|nd|rd|th)\b(?!\s+(?:of\s+)?(?!" + _AFTER_DAY + r"\b)[a-z]{3,9}\b)",
        low,
    )
    if m and not re.search(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", low):
        return _next_day_of_month(int(m.group(1)), today)
    m = re.search(r"\b(?:the\s+)?(?:end|last day)\s+of\s+([a-z]{3,9})\b", low)
    if m and m.group(1)[:3] in (
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
    ):
        month = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].index(
            m.group(1)[:3]
        ) + 1
        candidate = last_day(date(today.year, month, 1))
        return candidate if candidate >= today else last_day(date(today.year + 1, month, 1))
    return None


_HAS_DATE_WORD = re.compile(r"\d|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.I)


_EXPLICIT = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|\b\d{1,2}(st|nd|rd|th)?\s+(of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec)|\b\d{1,2}/\d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b",
    re.I,
)


# What introduces a correction within one answer ("the 20th, no wait, the 27th", "sorry typo, 12/28")
_CORRECTION = re.compile(
    r"\b(?:no wait|wait no|wait|no sorry|sorry|actually|make (?:that|it)|i mean|i meant|or rather|scratch that)\b"
    r"|[,;.]\s*no\b"
)
_MONTH_WORDS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_MONTH_WORD = re.compile(r"\b(?:" + _MONTH_WORDS + r")\b")
# a day in words next to a month ("january first", "the twenty-first of may"), written in digits
# for the rules and dateparser
_ORDINAL_DAY = re.compile(r"\b(?:" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + r")\b")
# a month without a day, as a whole answer ("june 2028", "sometime in march", "march please")
_MONTH_ONLY = re.compile(
    r"(?:(?:some ?time|in|during|around|by|until|till|end it|cancel it|let'?s say|say|maybe|ok|okay|"
    r"so|just|the month of)\s+)*("
    + _MONTH_WORDS
    + r")(?:\s+(\d{4}))?(?:\s+(?:please|pls|then|maybe|is fine))*"
)


def _ordinal(n: int) -> str:
    """21 -> "21st"."""
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


_NEXT_MONTH_ONLY = re.compile(
    r"(?:(?:some ?time|in|during|maybe|ok|okay|so|just)\s+)*(?:next|the following) month"
)


def month_without_day(text: Optional[str], today: date) -> Optional[date]:
    """The first day (today if later) of the month a whole answer names without a day ("june
    2028", "sometime in march": the next March that is not all past; "next month"), else None."""
    low = " ".join(str(text or "").lower().replace(",", " ").split()).strip(" .!?")
    if _NEXT_MONTH_ONLY.fullmatch(low):
        return (today + relativedelta(months=1)).replace(day=1)
    m = _MONTH_ONLY.fullmatch(low)
    if not m:
        return None
    if m.group(2):
        first = date(int(m.group(2)), _MONTH_ABBR.index(m.group(1)[:3]) + 1, 1)
    else:
        first = _month_named(m.group(1), today)
    return max(first, today) if last_day(first) >= today else first


def parse_date(text: Optional[str], today: date, strict: bool = False) -> Optional[date]:
    """The date meant by ``text`` (a whole answer or a sentence holding one), read on ``today``
    (the company's today: ``today_in(zone)``), or None.

    A day and month without a year that have already passed this year mean next year; a bare
    small number is a menu choice, not a date. ``strict`` (a sentence that was not an answer to
    a date question): only explicit dates, no guessing from loose words.
    """
    if not text:
        return None
    low = " ".join(str(text).lower().replace("’", "'").split()).strip(" .!?")
    if not low or re.fullmatch(r"\d{1,2}", low):
        return None
    *before, later = _CORRECTION.split(low)
    later = later.strip(" ,.;:-")
    if before:  # "the 20th, no wait, make that the 27th": the date said last
        months = _MONTH_WORD.findall(" ".join(before))
        if months and re.fullmatch(r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?", later):
            later = f"{later} of {months[-1]}"  # "the 15th of jan, no the 16th": of january too
        found = parse_date(later, today, strict)
        if found is not None:
            return found
    if _MONTH_WORD.search(low):
        low = _ORDINAL_DAY.sub(lambda m: _ordinal(_ORDINAL_WORDS[m.group(0)]), low)
    found = _read(low, today, strict)
    if found is None:
        corrected = _correct_typos(low)
        if corrected != low:  # "end of nxt month", "febuary 1st"
            found = _read(corrected, today, strict)
    return found


def _read(low: str, today: date, strict: bool) -> Optional[date]:
    ruled = _rules(low, today)
    if ruled is not None:
        return ruled
    if not _HAS_DATE_WORD.search(low) or (strict and not _EXPLICIT.search(low)):
        return None
    return _dateparser(low, today)


_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
# The words a date is written with; a misspelt one is read as the closest of them
# ("febuary", "decmber", "mnth", "tomorow", "wensday").
_DATE_WORDS = _MONTHS + WEEKDAYS + ["next", "month", "week", "weeks", "months", "tomorrow", "christmas"]
_SHORTHAND = {
    "nxt": "next",
    "mth": "month",
    "mnth": "month",
    "wk": "week",
    "wks": "weeks",
    "tmrw": "tomorrow",
}


def _correct_typos(low: str) -> str:
    """``low`` with misspelt date words replaced by the word meant (only words of four letters
    or more that are close to exactly one date word, so ordinary words stay as they are)."""

    def fix(match: "re.Match[str]") -> str:
        word = match.group(0)
        if word in _SHORTHAND:
            return _SHORTHAND[word]
        if len(word) < 4 or word in _DATE_WORDS:
            return word
        close = difflib.get_close_matches(word, _DATE_WORDS, n=2, cutoff=0.85)
        return close[0] if len(close) == 1 else word

    return re.sub(r"[a-z]+", fix, low)


def _dateparser(low: str, today: date) -> Optional[date]:
    from dateparser.search import search_dates

    base = datetime(today.year, today.month, today.day, 12, 0)
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "DATE_ORDER": "MDY",
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["day"],
    }
    cleaned = re.sub(r"\b(\d{1,2})(st|nd|rd|th)\b", r"\1", low)
    cleaned = re.sub(r"\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.", r"\1", cleaned)
    try:
        found = search_dates(cleaned, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if not found:
        return None
    explicit_year = bool(re.search(r"\b\d{4}\b|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b", low))
    result = found[0][1].date()
    if not explicit_year and result < today:
        try:
            result = result.replace(year=result.year + 1)
        except ValueError:
            return None
    return result


def long_date(value: "date | str") -> str:
    """`Tuesday, December 22, 2026`: a date with its year, for what a customer keeps (a receipt,
    a text message) and reads again later."""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{WEEKDAYS[day.weekday()].capitalize()}, {day:%B} {day.day}, {day.year}"


def human_date(value: "date | str | None", today: date) -> str:
    """`Saturday, December 19` (the year is added when it is not the year of ``today``)."""
    if value is None or value == "":
        return "the date shown in your confirmation"
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value
    text = f"{WEEKDAYS[day.weekday()].capitalize()}, {day:%B} {day.day}"
    return text if day.year == today.year else f"{text}, {day.year}"
