"""The OpenAPI 3.0 document of the backend's HTTP API, generated from the route table
(contract.routes) and the shapes (contract.shapes): nothing in it is written by hand.

Print it: `.venv/bin/python -m contract.openapi` (this API only); the backend serves it, with the
staff console's and the public pages' routes added, at `/openapi.json` and `/docs/openapi.json`
(readable at `/docs/api`).
"""

from __future__ import annotations

import copy
import json
import sys
from functools import lru_cache
from typing import Any, Dict, List, Set

from pydantic.schema import schema as pydantic_schema

from contract.models import fields_of, model_of
from contract.routes import OPERATIONS, PATH_PARAMETERS, TAGS, Operation
from contract.shapes import Duty, Error, QueueWait

REF = "#/components/schemas/{model}"
_ERROR_REF = {"$ref": REF.format(model="Error")}
_COMMON_ERRORS = {
    400: "Body is not a JSON object",
    401: "Missing/wrong service token, or invalid verification handle",
    413: "Body larger than 64 KiB",
    422: "Invalid field (named in `field`)",
}
_KEY_DOC = (
    "1-200 printable characters. A replay with the same request answers the first status and body; "
    "the same key with another request is refused with 409 idempotency_key_reused (docs/security.md)"
)
_STRING = {"type": "string"}
DESCRIPTION = (
    "The backend store the assistant's actions call (docs/contracts.md), the staff console's JSON API "
    "(docs/handoff.md) and the public pages. Every `/api/...` route and `/openapi.json` need the service "
    "token (`Authorization: Bearer <BACKEND_SERVICE_TOKEN>`); console routes need a staff session cookie "
    '(and `X-CSRF-Token` on POST). Errors: `{"error": code, "message": sentence}`.'
)


def _ref(shape: type) -> Dict[str, str]:
    return {"$ref": REF.format(model=shape.__name__)}


def _json(shape: Any, description: str) -> Dict[str, Any]:
    schema = _ref(shape) if shape is not None else {"type": "object"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameters(op: Operation) -> List[Dict[str, Any]]:
    params: List[Dict[str, Any]] = []
    for name, description in PATH_PARAMETERS.items():
        if "{" + name + "}" in op.path:
            param = {"name": name, "in": "path", "required": True, "schema": _STRING}
            params.append({**param, "description": description} if description else param)
    if op.query is not None:
        properties = model_of(op.query).schema(ref_template=REF)["properties"]
        for name, (_hint, required) in fields_of(op.query).items():
            params.append({"name": name, "in": "query", "required": required, "schema": properties[name]})
    if op.key != "no":
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": op.key == "required",
                "schema": _STRING,
                "description": _KEY_DOC,
            }
        )
    if op.handle != "no":
        required = op.handle == "required"
        params += [
            {"name": "X-Verification-Handle", "in": "header", "required": required, "schema": _STRING},
            {"name": "X-Conversation-Id", "in": "header", "required": required, "schema": _STRING},
            {
                "name": "X-Conversation-Channel",
                "in": "header",
                "required": False,
                "schema": _STRING,
                "description": "input channel the handle is used from; must be the one verify/start named",
            },
        ]
    return params


def _operation(op: Operation) -> Dict[str, Any]:
    responses = {str(status): _json(shape, text) for status, (shape, text) in op.answers.items()}
    if op.token:
        responses.update({str(status): _json(Error, text) for status, text in _COMMON_ERRORS.items()})
    out: Dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "responses": responses}
    if op.description:
        out["description"] = op.description
    params = _parameters(op)
    if params:
        out["parameters"] = params
    if op.body is not None:
        schema = model_of(op.body).schema(ref_template=REF)  # inline: a body has no nested shapes
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if not op.token:
        out["security"] = []
    return out


def _preflight(op: Operation) -> Dict[str, Any]:
    return {
        "summary": f"CORS preflight of {op.path}",
        "tags": [op.tag],
        "responses": {"204": {"description": "Allowed"}},
        "security": [],
    }


def _shapes() -> List[type]:
    found: List[type] = [Error, Duty, QueueWait]  # the staff console's answers refer to Duty too
    seen: Set[type] = set(found)
    for op in OPERATIONS:
        for shape in (shape for shape, _ in op.answers.values()):
            if shape is not None and shape not in seen:
                seen.add(shape)
                found.append(shape)
    return found


@lru_cache(maxsize=1)
def _parts() -> Dict[str, Any]:
    paths: Dict[str, Dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
        if op.cors:
            paths[op.path]["options"] = _preflight(op)
    models = [model_of(shape) for shape in _shapes()]
    schemas = pydantic_schema(models, ref_template=REF)["definitions"]
    tags = [{"name": name, "description": text} for name, text in TAGS.items()]
    return {"paths": paths, "schemas": schemas, "tags": tags}


def api_parts() -> Dict[str, Any]:
    """Paths, component schemas and tags of this API (a fresh copy), for a larger document."""
    return copy.deepcopy(_parts())


SECURITY_SCHEMES = {
    "serviceToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "BACKEND_SERVICE_TOKEN of the deployment",
    }
}


def document() -> Dict[str, Any]:
    """The OpenAPI document of this API alone."""
    parts = api_parts()
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cancellation assistant backend", "version": "1.0.0", "description": DESCRIPTION},
        "tags": parts["tags"],
        "components": {"schemas": parts["schemas"], "securitySchemes": SECURITY_SCHEMES},
        "security": [{"serviceToken": []}],
        "paths": parts["paths"],
    }


if __name__ == "__main__":
    json.dump(document(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
