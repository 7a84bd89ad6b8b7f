"""Account identifiers and contact points: classify, normalise, mask."""
from __future__ import annotations

import re
from typing import Optional, Tuple

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT = re.compile(r"^\d{8}$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    """Digits only; a leading US country code 1 on 11 digits is dropped."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def classify_identifier(identifier: str) -> Optional[Tuple[str, str]]:
    """(`kind`, normalised value) for an account number, email or phone; None when none fits."""
    text = identifier.strip()
    compact = re.sub(r"[\s\-]", "", text)
    if _ACCOUNT.match(compact):
        return "account_number", compact
    if _EMAIL.match(text):
        return "email", normalize_email(text)
    phone = normalize_phone(text)
    if re.fullmatch(r"[\d\s\-\+\(\)\.]+", text) and 10 <= len(phone) <= 15:
        return "phone", phone
    return None


def mask_email(email: str) -> str:
    """`erin@example.com` -> `e•••@example.com`."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def mask_phone(phone: str) -> str:
    """Only the last 4 digits: `•••-•••-0123`."""
    digits = normalize_phone(phone)
    return f"•••-•••-{digits[-4:]}"


def mask(destination: str) -> str:
    """Mask an email or a phone number."""
    return mask_email(destination) if "@" in destination else mask_phone(destination)
