"""Event deserialisation.

* ``Event.resolve_by_type`` walks the whole ``Event`` class tree (``all_subclasses``) for every
  event deserialised, and Rasa deserialises the whole conversation on every tracker retrieval
  (about 8 % of the Rasa server's CPU). Found classes are remembered by type name; unknown names
  still go through Rasa's lookup (same fallback and same error).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from bot.rasa_speedups.originals import ORIGINALS

_event_classes: Dict[str, Any] = {}


def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
    """Drop-in for ``Event.resolve_by_type`` that remembers the classes it found."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    result = ORIGINALS["Event.resolve_by_type"](type_name, default)
    if result is not None and getattr(result, "type_name", None) == type_name:
        _event_classes[type_name] = result
    return result
