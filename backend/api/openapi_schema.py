"""Building blocks of the hand-written parts of the OpenAPI document: the staff console's, the
public pages' and the delivery's routes (the API of the action server is generated from
contract/). Schema snippets, JSON bodies and answers, operations."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from contract.vocabulary.numbers import MONEY_PATTERN

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
MONEY = {"type": "string", "pattern": MONEY_PATTERN, "example": "123.45"}
DATE = {"type": "string", "format": "date"}
NULL_DATE = {"type": "string", "format": "date", "nullable": True}
DATE_TIME = {"type": "string", "format": "date-time"}
NULL_DATE_TIME = {"type": "string", "format": "date-time", "nullable": True}
NULL_STRING = {"type": "string", "nullable": True}

# security requirements of an operation
SERVICE_TOKEN: List[Dict[str, list]] = [{"serviceToken": []}]
CONSOLE_SESSION: List[Dict[str, list]] = [{"consoleSession": []}]
PUBLIC: List[Dict[str, list]] = []


def ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: Dict[str, Any], required: Iterable[str] = ()) -> Dict[str, Any]:
    """An object schema; ``required`` lists the properties every answer has."""
    schema: Dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def array(items: Dict[str, Any]) -> Dict[str, Any]:
    return {"type": "array", "items": items}


def json_answer(schema: Dict[str, Any], description: str = "OK") -> Dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def content_answer(media_type: str, description: str) -> Dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def redirect(description: str) -> Dict[str, Any]:
    return {
        "description": description,
        "headers": {"Location": {"schema": STRING, "description": "where the browser goes next"}},
    }


def json_body(
    properties: Dict[str, Any], required: Iterable[str] = (), *, form: bool = False
) -> Dict[str, Any]:
    """A required JSON request body (``form``: an HTML form with the same fields is accepted too)."""
    schema = obj(properties, required)
    content = {"application/json": {"schema": schema}}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"required": True, "content": content}


def operation(
    summary: str,
    responses: Dict[str, Any],
    *,
    tag: str,
    security: Optional[list] = None,
    parameters: Iterable[Dict[str, Any]] = (),
    body: Optional[Dict[str, Any]] = None,
    description: Optional[str] = None,
) -> Dict[str, Any]:
    """One operation; ``security`` None keeps the document's default (the service token)."""
    op: Dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = list(parameters)
    if body is not None:
        op["requestBody"] = body
    if security is not None:
        op["security"] = security
    return op
