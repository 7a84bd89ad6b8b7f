"""Redaction of conversation events before they are stored or published.

The tracker must never hold an account number, an email, a phone number or a verification
factor. The assistant asks for those in the slots named in ``SENSITIVE_SLOTS``; a user message
that answers such a request is replaced whole, and every other user text (and the free-text
slots, ``FREE_TEXT_SLOTS``, e.g. a reason "my pin is 2222 and my zip is 94110") has emails,
long digit runs and PIN-shaped numbers (four digits on their own, unless a year after a month
name or an amount after "$") masked. The verification handle is sealed (``bot/rasa_sealing.py``)
before it is stored: a copy of the database does not hold a usable handle. Works on Rasa's event
dictionaries (``Event.as_dict()``), so it has no dependency on a running Rasa.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, Iterable, Iterator, List, Optional

from bot.rasa_sealing import seal, unseal
from contract.slot_markers import MARKERS
from contract.vocabulary.identifiers import EMAIL_LIKE

REDACTED = "[redacted]"
SENSITIVE_SLOTS = frozenset({"account_identifier", "verification_factor"})
SENSITIVE_ENTITIES = frozenset({"account_number", "email", "phone"})
# None and the markers the action server puts in the sensitive slots ("[provided]"): no secret
_KEPT = frozenset({None, REDACTED}) | MARKERS
FREE_TEXT_SLOTS = frozenset({"reason", "refund_reason"})
SEALED_SLOTS = frozenset({"verification_handle"})
_MONTH_BEFORE = re.compile(
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s*(\d{1,2}(st|nd|rd|th)?,?\s*)?$", re.I
)

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
# A run of 5+ digits (ZIP, one-time code, account number) or a phone number written with
# separators (7+ digits in all). ISO dates are matched first so that they survive.
_PATTERN = re.compile(
    rf"(?P<date>\b{_ISO_DATE}\b)|(?P<email>{EMAIL_LIKE})|(?P<digits>[+(]?\d(?:[\d\s().-]*\d)?)"
)


def mask_text(text: Optional[str]) -> Optional[str]:
    """Mask emails, phone numbers and runs of five or more digits in ``text``."""
    if not text:
        return text

    def _replace(match: "re.Match[str]") -> str:
        if match.group("date"):
            return match.group(0)
        if match.group("email"):
            return REDACTED
        token = match.group("digits")
        digits = re.sub(r"\D", "", token)
        longest_run = max((len(run) for run in re.findall(r"\d+", token)), default=0)
        if longest_run >= 5 or (len(digits) >= 7 and longest_run >= 3):
            return REDACTED
        if _pin_shaped(match):
            return REDACTED
        return token

    return _PATTERN.sub(_replace, text)


def _pin_shaped(match: "re.Match[str]") -> bool:
    """Four digits standing alone (a PIN), not part of an id (SVC-6001, 7QMK-4XPT), an amount
    ($1000, 1000.50) or a year after a month name (December 2026)."""
    token, text, start, end = match.group("digits"), match.string, match.start(), match.end()
    if not re.fullmatch(r"\d{4}", token):
        return False
    before, after = text[max(0, start - 1) : start], text[end : end + 2]
    if re.match(r"[\w$€£-]", before) or re.match(r"[\w-]|[.,]\d", after):
        return False
    if token[:2] in ("19", "20") and _MONTH_BEFORE.search(text[max(0, start - 24) : start]):
        return False
    return True


def _redact_parse_data(parse_data: Dict[str, Any], whole: bool) -> None:
    if "text" in parse_data:
        parse_data["text"] = REDACTED if whole else mask_text(parse_data["text"])
    for entity in parse_data.get("entities") or []:
        if whole or entity.get("entity") in SENSITIVE_ENTITIES:
            entity["value"] = REDACTED
        elif isinstance(entity.get("value"), str):
            entity["value"] = mask_text(entity["value"])
        entity.pop("text", None)


def redact_events(
    events: Iterable[Dict[str, Any]], requested: Optional[str] = None
) -> Iterator[Dict[str, Any]]:
    """Yield a redacted copy of each event dict, one for one and in order.

    ``requested_slot`` is followed through the stream so that the answer to a request for a
    sensitive slot is recognised. A stream that starts mid-conversation must be given the
    ``requested`` slot in force before its first event (the tracker store reads it from the
    events already stored).
    """
    for original in events:
        event = copy.deepcopy(original)
        kind = event.get("event")
        if kind == "slot":
            if event.get("name") == "requested_slot":
                requested = event.get("value")
            elif event.get("name") in SENSITIVE_SLOTS and event.get("value") not in _KEPT:
                event["value"] = REDACTED  # a raw value; the action server's markers are kept
            elif event.get("name") in FREE_TEXT_SLOTS and isinstance(event.get("value"), str):
                event["value"] = mask_text(event["value"])
            elif event.get("name") in SEALED_SLOTS and isinstance(event.get("value"), str):
                event["value"] = seal(event["value"])
        elif kind == "active_loop" and event.get("name") is None:
            requested = None
        elif kind == "user":
            whole = requested in SENSITIVE_SLOTS
            event["text"] = REDACTED if whole else mask_text(event.get("text"))
            _redact_parse_data(event.get("parse_data") or {}, whole)
        yield event


def redact_event_list(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Return ``redact_events`` as a list."""
    return list(redact_events(events))


def unseal_events(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Stored event dicts with the sealed slots (the handle) back in clear, in place; a value
    that does not unseal becomes None (the customer verifies again)."""
    for event in events:
        if (
            event.get("event") == "slot"
            and event.get("name") in SEALED_SLOTS
            and isinstance(event.get("value"), str)
        ):
            event["value"] = unseal(event["value"])
    return events
