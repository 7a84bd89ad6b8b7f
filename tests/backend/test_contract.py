"""The contract (contract/) against both of its sides: the app `cancel-backend serve` runs
registers exactly the contract's routes (beside the console's and the pages', which the served
document lists too), and every call of the action server's client (actions/backend_client.py) is a declared
route, with the headers and the body keys its shapes declare.

The client is pointed at a stand-in that records what it receives; the backend side is the real
app (backend.server.create_app)."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from actions.backend_client import Auth, BackendClient
from backend.server import openapi_document
from contract import routes
from contract.models import fields_of
from contract.openapi import document
from tests.openapi_check import SpecChecker

# Routes no action calls: the document itself, the tracker store's notice (bot/rasa_handoff_notice.py,
# checked below), the widget's (backend/web/src/widget.js) and the development outbox (tests read it).
NOT_CALLED_BY_THE_CLIENT = {
    routes.OPENAPI,
    routes.HANDOFF_ACTIVITY,
    routes.REPLY_EMAIL,
    routes.TYPING,
    routes.DEV_OUTBOX,
}


async def test_the_app_serves_the_contract_routes_and_documents_every_route(api):
    routed = {(r.method, r.resource.canonical) for r in api.client.app.router.routes() if r.method != "HEAD"}
    declared = {(op.method, op.path) for op in routes.OPERATIONS}
    assert declared <= routed, declared - routed
    status, served = await api.get("/openapi.json")
    assert status == 200 and served == openapi_document()
    documented = {(method.upper(), path) for path, ops in served["paths"].items() for method in ops}
    assert routed <= documented, routed - documented
    # the API's part of the served document is the contract's document, unchanged
    contract = document()
    for path, operations in contract["paths"].items():
        assert served["paths"][path] == operations, path
    for name, schema in contract["components"]["schemas"].items():
        assert served["components"]["schemas"][name] == schema, name


@pytest.fixture
async def recorder():
    """A stand-in backend recording (method, path, headers, body) of each request; it answers
    `{}` (200), enough for every client method to return."""
    seen: List[Dict[str, Any]] = []

    async def record(request: web.Request) -> web.Response:
        raw = await request.read()
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": json.loads(raw) if raw else None,
            }
        )
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("")), seen
    finally:
        await server.close()


async def _every_client_call(client: BackendClient) -> None:
    auth = Auth("handle", "conversation", "rest")
    number = "ABCD-EFGH-JKLM"
    await client.health()
    await client.verify_start("erin@example.com", "conversation", "rest")
    await client.send_otp("attempt")
    await client.verify("attempt", "02139", "zip")
    await client.services(auth)
    await client.balance(auth)
    await client.equipment(auth, "SVC-1")
    await client.quote(auth, "SVC-1", "date", "2030-01-31")
    await client.preview(auth, "SVC-1", "date", "2030-01-31", backup_confirmed=True)
    await client.make_offer(auth, "SVC-1", "price", "key-1")
    await client.offer_outcome(auth, "OFR-1", True, "key-2")
    await client.file_cancellation(auth, "key-3", service_id="SVC-1", when="date", date="2030-01-31")
    await client.get_cancellation(auth, number)
    await client.revoke_cancellation(auth, number, "key-4")
    await client.report_tracking(auth, number, "1Z999AA10123456784", "EQ-1", "key-5")
    await client.request_refund(auth, "12.50", "billed twice", "SVC-1", idempotency_key="key-6")
    await client.request_handoff("conversation", "customer_request", channel="rest", auth=auth)
    await client.conversation_event("conversation", "stopped", "rest")


async def test_every_call_of_the_client_is_a_declared_route(recorder):
    url, seen = recorder
    await _every_client_call(BackendClient(url, "token"))
    spec = SpecChecker(document())
    by_route = {(op.method, op.path): op for op in routes.OPERATIONS}
    called = set()
    for request in seen:
        template = spec.template(request["path"])
        op = by_route.get((request["method"], template))
        assert op is not None, f"{request['method']} {request['path']} is not a route of the contract"
        called.add(op)
        headers = request["headers"]
        if op.token:
            assert headers.get("Authorization") == "Bearer token", op.path
        if op.handle == "required":
            assert {"X-Verification-Handle", "X-Conversation-Id"} <= set(headers), op.path
        if op.key == "required":
            assert headers.get("Idempotency-Key"), op.path
        for shape, sent in ((op.body, request["body"]), (op.query, request["query"] or None)):
            if shape is None:
                assert not sent, (op.path, sent)
                continue
            declared = fields_of(shape)
            assert set(sent) <= set(declared), (op.path, set(sent) - set(declared))
            assert {k for k, (_hint, required) in declared.items() if required} <= set(sent), op.path
    assert called == set(routes.OPERATIONS) - NOT_CALLED_BY_THE_CLIENT


async def test_the_tracker_stores_notice_is_a_declared_route(recorder, monkeypatch):
    """bot/rasa_handoff_notice.py (in the Rasa server) posts the contract's body to its route."""
    import asyncio

    from bot import rasa_handoff_notice

    url, seen = recorder
    monkeypatch.setenv("BACKEND_URL", url)
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", "token")
    monkeypatch.setattr(rasa_handoff_notice, "_session", None)  # its own session, on this loop
    rasa_handoff_notice.conversation_saved("conversation", True, [])
    await asyncio.gather(*rasa_handoff_notice._pending)
    assert rasa_handoff_notice._session is not None
    await rasa_handoff_notice._session.close()
    assert [(r["method"], r["path"], r["body"]) for r in seen] == [
        ("POST", routes.HANDOFF_ACTIVITY.path, {"conversation_id": "conversation"})
    ]
