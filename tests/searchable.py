"""Stored conversations as text to search for secrets, without the fields whose digits are noise.

Event timestamps and model confidences are floats whose digits may hold a ZIP or a PIN by chance
(1795330402.13912 holds "02139"; a confidence of 1.73533e-05 holds "73533"), and message and model
ids are random hex that may too. None of them is ever written from what a customer typed, so they
are left out; every string and integer stays searchable.
"""

import json
from typing import Any

#: keys whose values are generated ids, never customer text
GENERATED_ID_KEYS = frozenset({"timestamp", "message_id", "model_id", "assistant_id"})


def without_timestamps(value: Any) -> Any:
    """``value`` without generated ids and without floats, at any depth."""
    if isinstance(value, dict):
        return {
            k: without_timestamps(v)
            for k, v in value.items()
            if k not in GENERATED_ID_KEYS and not isinstance(v, float)
        }
    if isinstance(value, list):
        return [without_timestamps(v) for v in value if not isinstance(v, float)]
    return value


def searchable(value: Any) -> str:
    """JSON of ``value`` (or of each JSON string in a list of them) without noisy fields."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = [json.loads(v) for v in value]
    return json.dumps(without_timestamps(value))
