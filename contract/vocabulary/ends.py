"""The end of a service as customers say it: a menu number, "immediately", "end of the billing
period", "as late as possible" or a date (`contract.vocabulary.dates`), read in the answer to the
end question or, outside it, only when a sentence says when the service should end."""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

from contract.vocabulary.dates import parse_date

WHEN_CHOICES = {"1": "immediate", "2": "end_of_period", "3": "date"}
WHEN_WORDS = {
    "immediate": "immediate",
    "immediately": "immediate",
    "now": "immediate",
    "right now": "immediate",
    "today": "immediate",
    "end_of_period": "end_of_period",
    "end of period": "end_of_period",
    "end of the period": "end_of_period",
    "end of billing period": "end_of_period",
    "end of the billing period": "end_of_period",
    "anniversary": "end_of_period",
    "date": "date",
    "a date": "date",
    "pick a date": "date",
    "choose a date": "date",
    "later": "date",
}
_IMMEDIATE = re.compile(
    r"\b(immediate(ly)?|right (now|away)|straight away|asap|as soon as "
    r"possible|at once|effective (now|today)|today)\b|^now$",
    re.I,
)
_END_OF_PERIOD = re.compile(
    r"\bend of (the |my |this |our )?(current |present )?(billing |bill |payment )?"
    r"(period|cycle|term|month i paid for|paid period|contract|subscription)\b|\banniversary\b"
    r"|\b(when(ever)?|until|till|til|once) (the|my|our|it'?s|its) ((current|present|billing|paid|payment) ){0,2}"
    r"(period|cycle|term|contract|subscription|plan|month)( ends?| is up| is over| is done| finishes| runs out"
    r"| expires?| renews?| lapses)\b"
    r"|\b(at|on|upon|until|till) (the |my |its )?(next )?renewal\b"
    r"|\bwhen(ever)? (it|the service|the plan) (renews|runs out|expires)\b"
    r"|\bnext (bill|billing date|renewal)\b",
    re.I,
)
# "as late as possible", "the latest date you allow": the latest end the backend allows (it
# alone knows it: `Quotes.latest_date`), not a date of the customer's
_LATEST = re.compile(
    r"\bas (late|long|far (out|ahead)) as (possible|posible|you can|u can|you'?ll (let|allow)|(is )?allowed|i can)\b"
    r"|\b(latest|furthest|last) (possible|allowed|available)\b"
    r"|\blatest (end )?(date|day)\b(?! of)"
    r"|\b(latest|furthest|last) (end )?(date|day) (possible|allowed|you (can|allow|offer)|there is|available)\b",
    re.I,
)
_CANCEL_CONTEXT = re.compile(
    r"\b(cancel\w*|end\w*|stop\w*|close|terminat\w*|effective|as of|"
    r"from|by|on|until|at)\b",
    re.I,
)


# Outside the end question "immediately" / "today" count only when they say when the service
# should end ("cancel it straight away", "effective today"), not when the customer wants the
# request handled soon ("can we get this sorted today?").
_IMMEDIATE_END = re.compile(
    r"\b(cancel\w*|end|stop|terminat\w*|close|shut \w+ (down|off)|discontinue)\b[^.?!;]{0,40}?"
    r"\b(immediate(ly)?|right (now|away)|straight away|asap|as soon as possible|at once|today)\b"
    r"|\beffective (immediately|now|today)\b|\b(immediate|same-day) (cancellation|termination)\b",
    re.I,
)
# "I don't need it to run until the end of the month": a date the customer does not want.
_NOT_UNTIL = re.compile(
    r"\b(don'?t|do not|doesn'?t|no need|not)\b[^.?!;,]{0,30}\b(until|till|til|wait)\b", re.I
)


_PICK_DATE = re.compile(
    r"\b(a|specific|another|other|different|later|custom|particular|my own|certain|"
    r"the) date\b|\bdate (i|you|we) (choose|pick|say)\b|\b(choose|pick|set|"
    r"give you) (a|the|my own) date\b",
    re.I,
)


# A sentence that says when the service should end ("I'd like the hosting to end on the 15th",
# "please cancel it effective ..."), unlike one that only holds a date ("we are closing the
# bakery at the end of the year").
_ENDING = re.compile(
    r"\b(cancel\w*|stop\w*|terminat\w*|discontinu\w*|effective|as of)\b"
    r"|\b(to|it|will|should|can|must|please|would) end\b|\bend (it|this|my|our|the)\b|\bends? (on|by|in)\b",
    re.I,
)


def read_end_when(text: str, asked: bool, today: date) -> Optional[tuple]:
    """(when, date or None) named in ``text`` on ``today``: a menu number, "immediately", "end of
    the billing period", a date, or ("latest", None) for the latest end allowed (answers only).
    Outside the question only explicit ones ("... at the end of next month") count, and in a
    message of several sentences only those that say when to end."""
    low = " ".join(str(text or "").lower().split()).strip(" .!?")
    if not low or low.startswith("/"):
        return None
    sentences = [s for s in re.split(r"(?<=[.?!;])\s+", low) if s.strip()]
    if not asked and len(sentences) > 1:
        for sentence in sentences:
            found = _ENDING.search(sentence) and read_end_when(sentence, False, today)
            if found:
                return found
        return None
    if asked and low in WHEN_CHOICES:
        return WHEN_CHOICES[low], None
    if asked and low in WHEN_WORDS:
        return WHEN_WORDS[low], None
    immediate = bool(_IMMEDIATE.search(low) if asked else _IMMEDIATE_END.search(low))
    if immediate and _NOT_UNTIL.search(low):
        return "immediate", None
    if _END_OF_PERIOD.search(low):
        return "end_of_period", None
    if asked and _LATEST.search(low):
        return "latest", None
    when_date = parse_date(low, today, strict=not asked)
    if when_date is not None and (asked or _CANCEL_CONTEXT.search(low)):
        if when_date == today and re.search(r"\btoday\b", low) and not asked:
            return ("immediate", None) if immediate else None
        return "date", when_date
    if immediate:
        return "immediate", None
    if asked and _PICK_DATE.search(low):
        return "date", None
    return None
