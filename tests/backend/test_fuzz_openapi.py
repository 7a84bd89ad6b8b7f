"""Property-based fuzzing of every operation of the backend's OpenAPI document (Schemathesis,
Hypothesis underneath) against the real backend process (`cancel-backend serve`): whatever the
generated path, query, headers and body, the answer is never a server error, and always JSON
from the API and the console's JSON routes.

Each generated request is sent twice: as generated (only the service token added), and with a
real verification handle of a seeded customer, so that the bodies reach the business code and
not only the handle check. The number of examples is bounded so that the test runs in seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error

from backend.server import openapi_document
from devstack.stack import free_port, http_json, start_backend, stop
from tests.backend.conftest import IDENTIFIER_HASH_KEY, TOKEN
from tests.databases import migrated_database

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_PER_OPERATION = 15
# the API and the console's JSON routes answer JSON, errors included
JSON_PREFIXES = ("/api/", "/console/api/")
# Requests that match the document and requests that break it (wrong types, missing fields,
# non-object bodies).
schema = schemathesis.from_dict(
    openapi_document(), data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative]
)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    """`cancel-backend serve` on a seeded, migrated SQLite database (the HTTP layer under test is
    the same on PostgreSQL); yields its URL and a verified customer's handle headers."""
    with migrated_database("sqlite", tmp_path_factory.mktemp("fuzz")) as url:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "BACKEND_SERVICE_TOKEN": TOKEN,
            "LOAD_DOTENV": "0",
            "IDENTIFIER_HASH_KEY": IDENTIFIER_HASH_KEY,
            "DEV_OUTBOX": "1",
            "PYTHONPATH": str(ROOT),
            "VERIFY_MAX_FAILURES": "1000000",
        }
        server = start_backend(env, port, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            status, start = http_json(
                "POST",
                base + "/api/v1/verify/start",
                {"identifier": "erin@example.com", "conversation_id": "fuzz-conversation"},
                headers=auth,
            )
            assert status == 200, start
            status, verified = http_json(
                "POST",
                base + "/api/v1/verify",
                {"attempt_id": start["attempt_id"], "factor": "02139"},
                headers=auth,
            )
            assert status == 200, verified
            yield {
                "url": base,
                "auth": auth,
                "handle": {
                    "X-Verification-Handle": verified["handle"],
                    "X-Conversation-Id": "fuzz-conversation",
                },
            }
        finally:
            stop(server, timeout=30)


def _check(case, response) -> None:
    case.validate_response(response, checks=(not_a_server_error,))
    if response.status_code == 400 and response.text.startswith(("Invalid header", "Bad Request")):
        return  # refused by aiohttp's HTTP parser (e.g. a control character in a header), before the app
    if not case.operation.path.startswith(JSON_PREFIXES):
        return  # the console's pages and the public pages answer HTML, errors included
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        case.method,
        case.formatted_path,
        response.status_code,
        response.text[:200],
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_is_a_server_error(case, backend):
    _check(case, case.call(base_url=backend["url"], headers=backend["auth"], timeout=30))
    if case.headers is not None or case.operation.method.upper() != "GET" or "{" in case.operation.path:
        headers = {**(case.headers or {}), **backend["auth"], **backend["handle"]}
        _check(case, case.call(base_url=backend["url"], headers=headers, timeout=30))


# Any JSON text, lone surrogates included (escaped as "\ud800"), which schema-driven generation
# never produces: each documented body field gets such values, plus nesting.
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=20) | st.text(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3
).map(lambda s: "id-" + s)
ANY_JSON = st.recursive(
    ANY_TEXT | st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=10,
)
BODY_OPERATIONS = [
    (path, method.upper(), sorted(op["requestBody"]["content"]["application/json"]["schema"]["properties"]))
    for path, ops in openapi_document()["paths"].items()
    for method, op in ops.items()
    if "requestBody" in op
]


@pytest.mark.parametrize(
    "path, method, fields", BODY_OPERATIONS, ids=[f"{m} {p}" for p, m, _ in BODY_OPERATIONS]
)
def test_any_json_in_any_body_field_is_never_a_server_error(backend, path, method, fields):
    concrete = (
        path.replace("{service_id}", "SVC-1001")
        .replace("{offer_id}", "OFR-1")
        .replace("{confirmation_number}", "2345-6789-ABCD")
    )

    @given(
        body=st.fixed_dictionaries({f: ANY_TEXT for f in fields})
        | st.fixed_dictionaries({}, optional={f: ANY_JSON for f in fields})
        | ANY_JSON,
        key=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20),
    )
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def send(body, key):
        raw = json.dumps(body).encode()  # ensure_ascii: a lone surrogate travels as \\udXXX
        for extra in ({}, backend["handle"]):
            status, answer = http_json_raw(
                method, backend["url"] + concrete, raw, {**backend["auth"], **extra, "Idempotency-Key": key}
            )
            assert status < 500, (method, path, raw[:200], status, answer)
            assert isinstance(answer, dict) and isinstance(answer.get("error", ""), str), answer

    send()


def http_json_raw(method: str, url: str, raw: bytes, headers: dict):
    request = urllib.request.Request(
        url, data=raw, method=method, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, text = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text
