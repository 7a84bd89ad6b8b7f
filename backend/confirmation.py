"""Confirmation numbers: `XXXX-XXXX-XXXX`, 11 random characters plus a Luhn mod 32 check character.

The alphabet leaves out 0/O/1/I so that numbers read aloud or typed from a receipt are not
confused; the check character catches every single-character typo before a database lookup.
"""

from __future__ import annotations

import secrets

from contract.vocabulary.numbers import CONFIRMATION_ALPHABET as ALPHABET
from contract.vocabulary.numbers import format_confirmation as format_number  # noqa: F401
from contract.vocabulary.numbers import normalize_confirmation as normalize  # noqa: F401

BASE = len(ALPHABET)  # 32
RANDOM_LENGTH = 11
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def check_character(payload: str) -> str:
    """Luhn mod 32 check character for `payload` (characters of ALPHABET)."""
    factor, total = 2, 0
    for char in reversed(payload):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // BASE + addend % BASE
    return ALPHABET[(BASE - total % BASE) % BASE]


def _luhn_ok(compact: str) -> bool:
    factor, total = 1, 0
    for char in reversed(compact):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // BASE + addend % BASE
    return total % BASE == 0


def generate() -> str:
    """A new random confirmation number, formatted `XXXX-XXXX-XXXX`."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return format_number(payload + check_character(payload))


def is_valid(text: str) -> bool:
    """True when `text` normalises and its check character is right."""
    canonical = normalize(text)
    return canonical is not None and _luhn_ok(canonical.replace("-", ""))
