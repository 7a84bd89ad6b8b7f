"""Answers of the action server, validated by the Rasa server.

* ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, schema)`` for
  every answer of the action server. ``jsonschema.validate`` first checks the (constant) schema
  against the JSON Schema meta-schema and then builds a new validator with a fresh reference
  resolver: about 45 ms per call for Rasa's event schema, which made 40 % of the Rasa server's
  CPU time (a form turn makes two or three action server calls). Here the schema is checked and
  compiled once and the same validator is reused (about 3 ms a call), and each event is checked
  only against the schema of its own kind instead of all 23 alternatives of the ``oneOf`` (well
  under 1 ms a call). Valid answers pass and invalid ones go through the full validator, so
  they raise the same ``jsonschema.ValidationError`` with the same extended message.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

_validator: Optional[Any] = None
_event_validators: Dict[str, Any] = {}


def _response_validator() -> Any:
    """The compiled validator of the action server answer schema (built once)."""
    global _validator
    if _validator is None:
        from jsonschema import validators
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
        # Rasa's event schema is a ``oneOf`` over 23 event kinds, each told apart by a
        # ``const`` on the (required) ``event`` key: an event of kind t satisfies the
        # ``oneOf`` exactly when it satisfies t's alternative, because every other
        # alternative's ``const`` fails. One validator per kind checks only that one.
        event_schema = schema["properties"]["events"]["items"]
        base = {k: v for k, v in event_schema.items() if k != "oneOf"}
        for alternative in event_schema["oneOf"]:
            kind = alternative["properties"]["event"]["const"]
            _event_validators[kind] = cls({**base, "allOf": [alternative]})
    return _validator


def _quickly_valid(result: Any) -> bool:
    """True when ``result`` certainly satisfies the answer schema, checked per event kind;
    False means "not shown valid here" and the full validator decides (and words the error)."""
    if not isinstance(result, dict):
        return False
    events = result.get("events", [])
    responses = result.get("responses", [])
    if not isinstance(events, list) or not isinstance(responses, list):
        return False
    if not all(isinstance(r, dict) for r in responses):
        return False
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        validator = _event_validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with reused validators."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        validator = _response_validator()
        if _quickly_valid(result):
            return True
        # as ``jsonschema.validate`` does: the most relevant error, not the first one found
        error = best_match(validator.iter_errors(result))
        if error is not None:
            raise error
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e
