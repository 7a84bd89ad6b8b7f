"""Stored conversations as text to search for secrets, without the event timestamps (their
digits may hold a ZIP or a PIN by chance, e.g. 1795330402.13912 and "02139")."""

import json
from typing import Any


def without_timestamps(value: Any) -> Any:
    """``value`` with every ``timestamp`` key removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_timestamps(v) for k, v in value.items() if k != "timestamp"}
    if isinstance(value, list):
        return [without_timestamps(v) for v in value]
    return value


def searchable(value: Any) -> str:
    """JSON of ``value`` (or of each JSON string in a list of them) without timestamps."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = [json.loads(v) for v in value]
    return json.dumps(without_timestamps(value))
