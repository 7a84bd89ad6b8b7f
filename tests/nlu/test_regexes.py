"""The `regex:` entries in data/nlu match the formats of docs/contracts.md (no model needed)."""

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _patterns():
    out = {}
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "regex" in item:
                lines = [l.strip()[2:] for l in item["examples"].splitlines() if l.strip()]
                out.setdefault(item["regex"], []).extend(lines)
    return out


PATTERNS = _patterns()


def _find(entity, text):
    # RegexEntityExtractor matches case-insensitively (case_sensitive: false in config.yml)
    return [m.group(0) for p in PATTERNS[entity] for m in re.finditer(p, text, re.IGNORECASE)]


@pytest.mark.parametrize(
    "entity,text,expected",
    [
        ("account_number", "my account is 48213377 thanks", "48213377"),
        ("email", "email me at jo.doe+x@mail.example.com.", "jo.doe+x@mail.example.com"),
        ("phone", "call (415) 555-0198 please", "(415) 555-0198"),
        ("phone", "it is +1 646 555 0175", "+1 646 555 0175"),
        ("confirmation_number", "ref 7K3M-9PQR-2XW4", "7K3M-9PQR-2XW4"),
        ("confirmation_number", "ref 7k3m9pqr2xw4", "7k3m9pqr2xw4"),
        ("tracking_number", "ups 1Z999AA10123456784", "1Z999AA10123456784"),
        ("tracking_number", "usps 9400111899223344556677", "9400111899223344556677"),
        ("tracking_number", "fedex 781234567890", "781234567890"),
        ("amount", "refund $1,250.00 now", "$1,250.00"),
        ("amount", "it was $12.50", "$12.50"),
        ("date", "end on 2025-01-15", "2025-01-15"),
    ],
)
def test_pattern_finds(entity, text, expected):
    assert expected in _find(entity, text)


@pytest.mark.parametrize(
    "entity,text",
    [
        ("account_number", "zip 94107 and pin 4821"),
        ("account_number", "tracking 781234567890"),
        ("confirmation_number", "unsubscribed"),  # 12 letters, no digit
        ("confirmation_number", "ref 0K3M-9PQR-2XW4"),  # 0 is not in the alphabet
        ("phone", "account 48213377"),
        ("tracking_number", "account 48213377"),
        ("amount", "I have 3 boxes"),
    ],
)
def test_pattern_does_not_find(entity, text):
    assert _find(entity, text) == []
