"""Contact points: normalise and mask. The identifier rules themselves (account number, email,
phone) live in `contract.vocabulary.identifiers`, shared with the action server."""

from __future__ import annotations

import re

from contract.vocabulary.identifiers import classify_identifier, normalize_email  # noqa: F401
from contract.vocabulary.identifiers import normalize_phone as _read_phone


def normalize_phone(phone: str) -> str:
    """The stored form of a phone number: digits, the national number for North America."""
    return _read_phone(phone) or re.sub(r"\D", "", phone)


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
