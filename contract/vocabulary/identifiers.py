"""Account identifiers: an account number (8 digits), an email or a phone number.

Phones are read with `phonenumbers` (US by default, any country with a leading +). The stored
and compared form is digits only: the 10-digit national number for North America, the E.164
digits (without +) elsewhere.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

import phonenumbers
from phonenumbers import PhoneNumberMatcher, ValidationResult

DEFAULT_REGION = "US"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# What could be an email, for masking (bot/rasa_redaction.py): looser than EMAIL, so that every
# email the assistant accepts is masked, and typos of one too ("jo@example.c0m").
EMAIL_LIKE = r"[\w.+-]+ ?@ ?[\w-]+(?:\.[\w-]+)+"
# An email with a space typed around its @ ("jo @ x.example", a phone keyboard's habit): read
# without the spaces.
_EMAIL_SPACED = re.compile(r"[\w.+-]+ ?@ ?[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_ACCOUNT = re.compile(r"(?<![\d-])\d{8}(?![\d-])")
_ACCOUNT_SPACED = re.compile(r"(?<![\d-])\d{4}[ -]\d{4}(?![\d-])")


def normalize_email(email: str) -> str:
    return re.sub(r"\s+", "", email).lower()


def _find_email(text: str) -> Optional[str]:
    """The first email in ``text`` (spaces around its @ left out), normalised, or None."""
    found = EMAIL.search(text) or _EMAIL_SPACED.search(text)
    return normalize_email(found.group(0)) if found else None


def _phone_digits(number: "phonenumbers.PhoneNumber") -> str:
    national = str(number.national_number)
    return national if number.country_code == 1 else f"{number.country_code}{national}"


def normalize_phone(text: str) -> Optional[str]:
    """Digits of a possible phone number in ``text`` (the whole text is the number), or None."""
    cleaned = text.strip()
    if not re.fullmatch(r"[\d\s\-+().]+", cleaned) or len(re.sub(r"\D", "", cleaned)) < 10:
        return None
    try:
        number = phonenumbers.parse(cleaned, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        return None
    return _phone_digits(number)


def find_phone(text: str) -> Optional[str]:
    """The first possible phone number written anywhere in ``text`` (digits), or None."""
    for match in PhoneNumberMatcher(text, DEFAULT_REGION, leniency=phonenumbers.Leniency.POSSIBLE):
        digits = normalize_phone(match.raw_string)
        if digits:
            return digits
    return None


def classify_identifier(identifier: str) -> Optional[Tuple[str, str]]:
    """(`kind`, normalised value) when the whole of ``identifier`` is an account number, an
    email or a phone number; None otherwise."""
    text = identifier.strip()
    compact = re.sub(r"[\s\-]", "", text)
    if re.fullmatch(r"\d{8}", compact):
        return "account_number", compact
    if EMAIL.fullmatch(text) or _EMAIL_SPACED.fullmatch(text):
        return "email", normalize_email(text)
    phone = normalize_phone(text)
    if phone:
        return "phone", phone
    return None


# "jo@old.example, no wait, it's jo@x.example": the identifier after such words replaces the one before
_CORRECTION = re.compile(
    r"\b(no wait|wait|sorry|actually|i mean|i meant|correction|instead|oops|wrong|scratch that|rather)\b",
    re.I,
)


def corrected_identifier(text: str) -> Optional[Tuple[str, str]]:
    """The last of several different identifiers when a correction comes between them."""
    found: list = [(m.start(), "email", normalize_email(m.group(0))) for m in _EMAIL_SPACED.finditer(text)]
    for match in PhoneNumberMatcher(text, DEFAULT_REGION, leniency=phonenumbers.Leniency.POSSIBLE):
        digits = normalize_phone(match.raw_string)
        if digits:
            found.append((match.start, "phone", digits))
    for m in list(_ACCOUNT.finditer(text)) + list(_ACCOUNT_SPACED.finditer(text)):
        found.append((m.start(), "account_number", re.sub(r"\D", "", m.group(0))))
    found.sort()
    if len({value for _, _, value in found}) < 2:
        return None
    first, last = found[0], found[-1]
    if _CORRECTION.search(text[first[0] : last[0]]):
        return last[1], last[2]
    return None


def find_identifier(text: Optional[str]) -> Optional[Tuple[str, str]]:
    """The identifier written somewhere in a sentence ("sorry, it's jo@x.example"), or None.

    Order: email, phone (with separators or a country code), account number (8 digits); of
    several, the one a correction names ("jo@old.example, no wait, it's jo@x.example").
    """
    if not text:
        return None
    corrected = corrected_identifier(text)
    if corrected:
        return corrected
    email = _find_email(text)
    if email:
        return "email", email
    phone = find_phone(text)
    if phone:
        return "phone", phone
    account = _ACCOUNT.search(text) or _ACCOUNT_SPACED.search(text)
    if account:
        return "account_number", re.sub(r"\D", "", account.group(0))
    return None


_ZIP_WORDS = re.compile(r"\b(zip|postal|post code|postcode)\b", re.I)
_PIN_WORDS = re.compile(r"\bpin\b", re.I)
_CODE_WORDS = re.compile(r"\bcode\b", re.I)
_ZIP_PLUS4 = re.compile(r"(?<![\d-])(\d{5})-\d{4}(?![\d-])")


def find_factor(text: Optional[str], *, asked: bool) -> Optional[str]:
    """The verification factor in ``text``: a 5-digit billing ZIP, a 4-digit PIN or a 6-digit
    one-time code (of a ZIP+4, the ZIP). When the factor was not asked for, only one that is named ("zip 02139",
    "pin 1234", "code 123456") counts, or a lone 5-digit number written next to the identifier
    ("jo@x.example 02139"), so that other numbers are not taken for it."""
    if not text:
        return None
    # a ZIP+4 ("02139-1234") is its ZIP: the billing ZIP is the 5-digit part
    text = _ZIP_PLUS4.sub(r"\1", text)
    runs = re.findall(r"(?<![\d@.\w-])(\d{4,6})(?![\d-])", text)
    named = _named_factors(text)
    if named:
        return named[0]
    if not asked and find_identifier(text):
        # "oh sorry wrong zip. jo@x.example and 02139": a ZIP word with no number after it
        lone = [r for r in runs if len(r) == 5]
        if len(lone) == 1 and not _PIN_WORDS.search(text):
            return lone[0]
    if asked:
        compact = re.sub(r"[\s-]", "", text.strip())
        if re.fullmatch(r"\d{4,6}", compact):
            return compact
        if len(runs) == 1:
            return runs[0]
        if len(runs) > 1 and _CORRECTION.search(text[text.index(runs[0]) : text.rindex(runs[-1])]):
            return runs[-1]  # "12345 no wait, 02139": the corrected one
    return None


def _named_factors(text: str) -> list:
    """The numbers written right after "zip", "pin" or "code" ("pin 1234", "zip: 02139")."""
    named = []
    for word, length in ((_ZIP_WORDS, 5), (_PIN_WORDS, 4), (_CODE_WORDS, 6)):
        found = word.search(text)
        if found:
            # the number right after the word ("pin 1234", "zip: 02139", "PIN is 1234"), standing
            # alone (not part of an ID like SVC-6001 or an amount)
            after = re.search(
                rf"(?<![\w$-])(\d{{{length}}})(?![\w-]|[.,]\d)", text[found.end() : found.end() + 16]
            )
            if after:
                named.append(after.group(1))
    return named
