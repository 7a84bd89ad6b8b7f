"""Confirmation numbers, return tracking numbers and amounts of money as customers type them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, List, Optional, Tuple

# Confirmation numbers: XXXX-XXXX-XXXX over an alphabet without 0/O/1/I (backend/confirmation.py
# generates and checks them).
CONFIRMATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CONFIRMATION_LENGTH = 12
_SEPARATORS = re.compile(r"[\s\-]+")
_CONFIRMATION_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z0-9]{4})[\s-]?([A-Za-z0-9]{4})[\s-]?([A-Za-z0-9]{4})(?![A-Za-z0-9])"
)


_CONFIRMATION_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])(?=([A-Za-z0-9]{4}[\s-]?[A-Za-z0-9]{4}[\s-]?[A-Za-z0-9]{4})(?![A-Za-z0-9]))"
)


def format_confirmation(compact: str) -> str:
    """`ABCDEFGHJKLM` -> `ABCD-EFGH-JKLM`."""
    return "-".join(compact[i : i + 4] for i in range(0, CONFIRMATION_LENGTH, 4))


def normalize_confirmation(text: Any) -> Optional[str]:
    """Canonical `XXXX-XXXX-XXXX` when the whole of ``text`` is 12 alphabet characters (any
    case, dashes or spaces); None otherwise. The check character is not checked here."""
    if not isinstance(text, str):
        return None
    compact = _SEPARATORS.sub("", text).upper()
    if len(compact) != CONFIRMATION_LENGTH or any(c not in CONFIRMATION_ALPHABET for c in compact):
        return None
    return format_confirmation(compact)


def find_confirmation(text: Optional[str]) -> Optional[str]:
    """A confirmation number written somewhere in a sentence ("it's abcd-efgh-jklm from my
    first message"); only groups with at least one digit or written in capitals/with dashes."""
    if not text:
        return None
    text = _without_long_tracking(text)
    for match in _CONFIRMATION_IN_TEXT.finditer(text):
        raw = "".join(match.groups())
        number = normalize_confirmation(raw)
        if number and (any(c.isdigit() for c in raw) or "-" in match.group(0) or raw.isupper()):
            return number
    return None


def find_confirmations(text: Optional[str]) -> List[str]:
    """Every confirmation number written in ``text``, in order, each once."""
    found: List[str] = []
    for number, _, _ in confirmation_spans(text):
        if number not in found:
            found.append(number)
    return found


def confirmation_spans(text: Optional[str]) -> List[Tuple[str, int, int]]:
    """(number, start, end) of each confirmation number written in ``text``, in order."""
    spans: List[Tuple[str, int, int]] = []
    end = 0
    for match in _CONFIRMATION_CANDIDATE.finditer(
        _without_long_tracking(text or "")
    ):  # overlapping: "Like ABCD-EFGH-JKLM"
        number = find_confirmation(match.group(1)) if match.start() >= end else None
        if number:
            end = match.start() + len(match.group(1))
            spans.append((number, match.start(), end))
    return spans


_TRACKING = re.compile(
    r"\b(1Z[0-9A-Z]{16}|\d{20,22}|\d{12}|\d{4}(?: ?\d{4}){4} ?\d{2}"
    r"|\d{4} ?\d{4} ?\d{4}(?: ?\d{4} ?\d{4,6})?)\b",
    re.I,
)


def _without_long_tracking(text: str) -> str:
    """``text`` with tracking numbers longer than a confirmation number blanked out: the 12
    digits inside "9400 1118 9922 3344 5566 77" are no confirmation number."""
    return _TRACKING.sub(
        lambda m: " " * len(m.group(0)) if len(re.sub(r"\s", "", m.group(0))) > 12 else m.group(0), text
    )


def find_tracking(text: Optional[str]) -> Optional[str]:
    """A UPS (1Z + 16), USPS (20-22 digits) or FedEx (12 digits) tracking number, spaces removed."""
    spans = tracking_spans(text)
    return spans[0][0] if spans else None


def tracking_spans(text: Optional[str]) -> List[Tuple[str, int, int]]:
    """(tracking number without spaces, start, end) of each tracking number in ``text``."""
    spans: List[Tuple[str, int, int]] = []
    for match in _TRACKING.finditer(text or ""):
        compact = re.sub(r"\s", "", match.group(1)).upper()
        if re.fullmatch(r"1Z[0-9A-Z]{16}|\d{20,22}|\d{12}", compact):
            spans.append((compact, match.start(), match.end()))
    return spans


# An amount a request may send (contract.shapes.Amount): at most 9 digits and two decimals.
AMOUNT_PATTERN = r"^\d{1,9}(\.\d{1,2})?$"
_AMOUNT = re.compile(r"(?<![\w.])\$?\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?![\d,]*\.\d{3})")


def parse_amount(text: Any) -> Optional[Decimal]:
    """The first positive amount in ``text`` ("$49.50", "about 1,250", "49,5" is not one) that a
    request may carry (``AMOUNT_PATTERN``: a billion or more is not one)."""
    if text is None:
        return None
    for match in _AMOUNT.finditer(str(text)):
        whole, cents = match.group(1).replace(",", ""), match.group(2) or "0"
        try:
            amount = Decimal(f"{whole}.{cents.ljust(2, '0')}")
        except InvalidOperation:
            continue
        if amount > 0 and re.match(AMOUNT_PATTERN, f"{amount:.2f}"):
            return amount
    return None


# An amount written as money in a sentence: with a currency sign or word, with cents, or right
# after "refund (of)" / "credit (of)" ("need a refnd of 25.00", "about 12 bucks").
_MONEY_IN_TEXT = re.compile(
    r"\$\s?\d|\d\.\d{2}\b|\d\s?(dollars?|bucks|usd)\b|\b(refu?nd|credit|reimburse\w*)\w* (of |for )?\$?\d",
    re.I,
)


def find_money(text: Any) -> Optional[Decimal]:
    """The amount of money a sentence names (``parse_amount`` of it) when it is written as
    money; None for other numbers ("charged twice in 2 months")."""
    if text is None or not _MONEY_IN_TEXT.search(str(text)):
        return None
    match = _MONEY_IN_TEXT.search(str(text))
    assert match is not None
    start = max(0, str(text).rfind(" ", 0, match.start()))
    return parse_amount(str(text)[start:]) or parse_amount(text)


def format_money(amount: Any, currency: Optional[str] = "USD") -> str:
    """The one money format shown to people (customers and staff): `$1,850.40`, `-$5.00` (USD)
    or `1,850.40 EUR`."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(amount)
    if currency in ("USD", "", None):
        return f"{'-' if value < 0 else ''}${abs(value):,}"
    return f"{value:,} {currency}"


# Amounts on the wire (the API's JSON): a decimal string with two places, "-12.30".
MONEY_PATTERN = r"^-?\d+\.\d{2}$"


def wire_money(amount: Any) -> str:
    """An amount as the API writes it: `Decimal("1850.4")` -> `"1850.40"` (never shown as is)."""
    return str(Decimal(str(amount)).quantize(Decimal("0.01")))
