"""What customer-facing text must never contain (issue 10, class 10), for every text test."""

from __future__ import annotations

import re
from typing import List

DEFECTS = {
    "None": r"\bNone\b",
    "double punctuation": r"(?<!\.)\.\.(?!\.)|\?\?|!!|,,|[.?!] \.",
    "(s) plural": r"\(s\)",
    "money without thousands separator": r"\$\d{4,}(?:\.\d\d)?\b",
    "money without cents": r"\$\d[\d,]*(?![\d,.])",
    "ISO date": r"\b\d{4}-\d{2}-\d{2}\b",
    "double apology": r"(?i)sorry\b.*\bsorry\b",
    # an API message left as it is ("date: must be within 365 days"): the field's name in words
    "field-name prefix": r"\b[a-z][a-z_]*: (?:must|is required|is not|has the)\b",
    "sentence starting in lower case": r"(?<!\be\.g)(?<!\bi\.e)[.?!] +(?!https?:)[a-z]",
    "count and noun disagree": r"(?<![\d.,])\b(?:1 (?:minute|hour|day|month|year|device|charge|service)s"
    r"|(?:0|[2-9]|[1-9]\d+) (?:minute|hour|day|month|year|device|charge|service))\b",
}


def text_problems(text: str) -> List[str]:
    """Names of the rules ``text`` breaks (empty when it reads well)."""
    return [name for name, pattern in DEFECTS.items() if re.search(pattern, text or "")]
