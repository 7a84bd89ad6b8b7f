"""Rasa's own functions, by "Class.attribute", as they were before ``install`` patched them
(the patches call some of them; the tests compare with all of them)."""

from typing import Any, Dict

ORIGINALS: Dict[str, Any] = {}
