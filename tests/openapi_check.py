"""Checks real answers of the backend against the response schemas of its OpenAPI document.

OpenAPI 3.0 schemas become JSON Schema (draft 7, validated with jsonschema): `$ref` inlined,
`nullable` turned into a null type, `allOf` of objects merged. Objects that list their properties
get `additionalProperties: false`, so a field the document does not describe fails the check too.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, Set, Tuple

import jsonschema


def to_json_schema(schema: Dict[str, Any], components: Dict[str, Any]) -> Dict[str, Any]:
    """A JSON Schema (draft 7) equivalent of an OpenAPI 3.0 schema, stricter about extra fields."""
    if "$ref" in schema:
        target = components[schema["$ref"].rsplit("/", 1)[1]]
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        return to_json_schema({**copy.deepcopy(target), **extra}, components)
    if "allOf" in schema:
        merged: Dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            converted = to_json_schema(part, components)
            merged["properties"].update(converted.get("properties", {}))
            merged["required"] += converted.get("required", [])
        merged["additionalProperties"] = False
        return _nullable(merged, schema)
    out: Dict[str, Any] = {}
    for key in ("type", "enum", "pattern", "format", "required", "maxLength", "minimum", "maximum"):
        if key in schema:
            out[key] = copy.deepcopy(schema[key])
    if "items" in schema:
        out["items"] = to_json_schema(schema["items"], components)
    if "oneOf" in schema:
        out["oneOf"] = [to_json_schema(s, components) for s in schema["oneOf"]]
    if "properties" in schema:
        out["properties"] = {k: to_json_schema(v, components) for k, v in schema["properties"].items()}
        out["additionalProperties"] = False
    return _nullable(out, schema)


def _nullable(out: Dict[str, Any], schema: Dict[str, Any]) -> Dict[str, Any]:
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
        if "type" not in out and "enum" not in out:
            return {"anyOf": [out, {"type": "null"}]}
    return out


def _pattern(template: str) -> "re.Pattern[str]":
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


class SpecChecker:
    """Validates (method, path, status, body) against the document; remembers what it checked."""

    def __init__(self, document: Dict[str, Any]) -> None:
        self.document = document
        self.components = document["components"]["schemas"]
        self.checked: Set[Tuple[str, str, int]] = set()
        self._patterns = [(_pattern(p), p) for p in document["paths"]]

    def template(self, path: str) -> str:
        """The documented path template a concrete path matches (literal paths win)."""
        path = path.split("?", 1)[0]
        if path in self.document["paths"]:
            return path
        matches = [template for pattern, template in self._patterns if pattern.match(path)]
        assert matches, f"{path} matches no documented path"
        return matches[0]

    def check(self, method: str, path: str, status: int, body: Any) -> Any:
        """Assert that the answer is documented for this status and matches its schema; return body."""
        template = self.template(path)
        operation = self.document["paths"][template].get(method.lower())
        assert operation is not None, f"{method} {template} is not documented"
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {template} answered {status}, which is not documented: {body}"
        content = response.get("content", {}).get("application/json")
        assert content is not None, f"{method} {template} {status}: no JSON schema documented"
        schema = to_json_schema(content["schema"], self.components)
        try:
            jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())
        except jsonschema.ValidationError as error:
            raise AssertionError(
                f"{method} {template} {status}: {error.message} at "
                f"{list(error.absolute_path)}\nanswer: {body}"
            ) from None
        self.checked.add((method.upper(), template, status))
        return body

    def json_operations(self) -> Set[Tuple[str, str]]:
        """(method, path) of every documented operation with a JSON answer for a 2xx status."""
        found = set()
        for path, operations in self.document["paths"].items():
            for method, op in operations.items():
                if any(
                    code.startswith("2") and "application/json" in answer.get("content", {})
                    for code, answer in op["responses"].items()
                ):
                    found.add((method.upper(), path))
        return found
