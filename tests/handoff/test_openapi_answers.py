"""The OpenAPI document against real answers: the backend as `cancel-backend serve` builds it
(backend.server.create_app: API, staff console, public pages) on aiohttp's test server, with a database
and a Rasa stand-in; every JSON route of the API and the console is called and its answers, the
errors included, are validated against the response schemas of the document."""

import secrets

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.console import CANNED_PATH
from backend.console.canned import DEFAULT_PATH as DEFAULT_CANNED
from backend.server import create_app, openapi_document
from tests.backend.conftest import TOKEN, Api, make_account
from tests.handoff.conftest import Console, add_staff, make_settings
from tests.handoff.test_queue import set_duty
from tests.openapi_check import SpecChecker

# Routes whose every documented JSON answer need not be provoked here (error shapes are shared).
NOT_CALLED = {("GET", "/openapi.json")}  # called, but with a free-form schema: compared as a whole below


@pytest.fixture
async def backend(db_url, db, policy, rasa, tmp_path):
    app = create_app(make_settings(db_url, rasa.url), policy=policy, db=db)
    canned = tmp_path / "canned_replies.yml"  # the test changes it: never the repository's file
    canned.write_text(DEFAULT_CANNED.read_text(encoding="utf-8"), encoding="utf-8")
    app[CANNED_PATH] = canned
    server = TestServer(app)
    await server.start_server()
    client = TestClient(server)
    await client.start_server()
    consoles = []

    def console() -> Console:
        made = Console(str(server.make_url("")))
        consoles.append(made)
        return made

    try:
        yield Api(client), console
    finally:
        for made in consoles:
            await made.close()
        await client.close()
        await server.close()


@pytest.fixture
def spec():
    return SpecChecker(openapi_document())


async def _api_answers(api: Api, spec: SpecChecker, db) -> None:
    async def call(method, path, who=None, json=None, headers=None, expect=200):
        status, body = await api.call(method, path, who, json=json, headers=headers)
        assert status == expect, (method, path, status, body)
        return spec.check(method, path, status, body)

    account = make_account(db, equipment=1, receivables="0.00")
    service_id = account["services"][0]

    health = await api.client.get("/health")  # no token
    spec.check("GET", "/health", health.status, await health.json())
    status, document = await api.get("/openapi.json")
    assert status == 200 and document == openapi_document()
    public = await api.client.get("/docs/openapi.json")  # no token
    assert (
        public.status == 200 and spec.check("GET", "/docs/openapi.json", 200, await public.json()) == document
    )

    # verification: wrong factor, OTP, then the PIN
    conversation = "conv-" + secrets.token_hex(4)
    start = await call(
        "POST", "/api/v1/verify/start", json={"identifier": account["email"], "conversation_id": conversation}
    )
    await call("POST", "/api/v1/verify/otp", json={"attempt_id": start["attempt_id"]}, expect=202)
    await call(
        "POST",
        "/api/v1/verify",
        json={"attempt_id": start["attempt_id"], "factor": "00000", "factor_type": "zip"},
        expect=401,
    )
    verified = await call(
        "POST", "/api/v1/verify", json={"attempt_id": start["attempt_id"], "factor": account["pin"]}
    )
    who = {"X-Verification-Handle": verified["handle"], "X-Conversation-Id": conversation}

    services = await call("GET", "/api/v1/services", who)
    assert [s["id"] for s in services["services"]] == [service_id]
    await call("GET", "/api/v1/balance", who)
    equipment = await call("GET", f"/api/v1/equipment?service_id={service_id}", who)
    assert len(equipment["equipment"]) == 1
    await call("GET", f"/api/v1/services/{service_id}/quote?when=end_of_period", who)
    await call("GET", f"/api/v1/services/{service_id}/quote", who)
    await call("GET", "/api/v1/services/SVC-NOPE/quote", who, expect=404)
    await call("GET", f"/api/v1/services/{service_id}/quote?when=later", who, expect=422)
    preview = await call(
        "POST",
        f"/api/v1/services/{service_id}/preview",
        who,
        json={"when": "end_of_period", "backup_confirmed": True},
    )
    assert len(preview["equipment"]) == 1 and "you confirmed your backup" in preview["terms"]
    await call("POST", f"/api/v1/services/{service_id}/preview", who, json={"when": "date"}, expect=422)
    await call("POST", "/api/v1/services/SVC-NOPE/preview", who, json={"when": "immediate"}, expect=404)
    offer = await call("POST", f"/api/v1/services/{service_id}/offer", who, json={"reason": "price"})
    if offer["offer"] is not None:
        await call("POST", f"/api/v1/offers/{offer['offer']['id']}/outcome", who, json={"accepted": False})
    await call("POST", "/api/v1/offers/OFR-NOPE/outcome", who, json={"accepted": False}, expect=404)

    filing = {
        "service_id": service_id,
        "when": "end_of_period",
        "reason": "price",
        "backup_confirmed": True,
        "terms_accepted": True,
        "channel": "rest",
    }
    key = {"Idempotency-Key": "k-" + secrets.token_hex(4)}
    filed = await call("POST", "/api/v1/cancellations", who, json=filing, headers=key, expect=201)
    # a replay answers the first answer again (status included), as payment APIs do
    await call("POST", "/api/v1/cancellations", who, json=filing, headers=key, expect=201)
    number = filed["confirmation_number"]
    await call("GET", f"/api/v1/cancellations/{number}", who)
    await call(
        "POST",
        f"/api/v1/cancellations/{number}/tracking",
        who,
        json={"tracking_number": "1Z999AA10123456784"},
    )
    await call(
        "POST",
        "/api/v1/refunds",
        who,
        json={"amount": "5.00", "reason": "charged twice"},
        headers={"Idempotency-Key": "r-" + secrets.token_hex(4)},
    )
    await call("POST", f"/api/v1/cancellations/{number}/revoke", who)
    await call("POST", f"/api/v1/cancellations/{number}/revoke", who, expect=409)
    await call("GET", f"/api/v1/dev/outbox?to={account['email']}")
    await call(
        "GET", "/api/v1/services", {"X-Verification-Handle": "forged", "X-Conversation-Id": "c"}, expect=401
    )

    body = {"conversation_id": conversation, "reason": "customer_request", "channel": "socketio"}
    await call("POST", "/api/v1/handoffs", json=body, expect=201)
    await call("POST", "/api/v1/handoffs", who, json=body, expect=200)
    await call("POST", "/api/v1/handoffs/activity", json={"conversation_id": conversation})
    await call("POST", "/api/v1/handoffs/activity", json={"conversation_id": "conv-none"})
    body = {"conversation_id": conversation, "kind": "misunderstood", "channel": "socketio"}
    await call("POST", "/api/v1/conversation-events", json=body)
    await call("POST", "/api/v1/conversation-events", json={**body, "kind": "bored"}, expect=422)
    await call("POST", "/widget/v1/typing", json={"conversation_id": conversation})
    await call("POST", "/widget/v1/typing", json={"conversation_id": "conv-none"}, expect=404)
    await call(
        "POST", "/widget/v1/reply-email", json={"conversation_id": conversation, "email": "a@example.com"}
    )
    await call(
        "POST", "/widget/v1/reply-email", json={"conversation_id": conversation, "email": "nope"}, expect=422
    )
    await call(
        "POST",
        "/widget/v1/reply-email",
        json={"conversation_id": "conv-none", "email": "a@example.com"},
        expect=404,
    )


async def _console_answers(api: Api, console_factory, spec: SpecChecker, db, rasa) -> None:
    agent_user, boss_user = add_staff(db, "agent"), add_staff(db, "supervisor")
    agent, boss = console_factory(), console_factory()

    async def call(who: Console, method, path, json=None, expect=200, **kw):
        accept = {"Accept": "application/json"}
        status, body, _ = await (
            who.post(path, json={} if json is None else json, headers=accept, **kw)
            if method == "POST"
            else who.get(path, headers=accept)
        )
        assert status == expect, (method, path, status, body)
        return spec.check(method, path, status, body)

    nobody = console_factory()
    await call(nobody, "GET", "/console/api/me", expect=401)
    token = await nobody.login_csrf()
    status, body, _ = await nobody.post(
        "/console/login", json={"username": agent_user["username"], "password": "wrong", "csrf_token": token}
    )
    spec.check("POST", "/console/login", status, body)
    assert status == 401
    for who, user in ((agent, agent_user), (boss, boss_user)):
        answer = await who.login(user["username"])
        spec.check("POST", "/console/login", answer.status, answer.body)

    set_duty(db, "on")
    conversation = "conv-" + secrets.token_hex(4)
    rasa.say(conversation, "user", "I want a person")
    rasa.say(conversation, "bot", "Let me find someone.", data={"buttons": [{"title": "Never mind"}]})
    queued = await api.post(
        "/api/v1/handoffs",
        {"conversation_id": conversation, "reason": "customer_request", "channel": "socketio"},
    )
    handoff_id = queued[1]["handoff"]["id"]

    me = await call(agent, "GET", "/console/api/me")
    assert me["username"] == agent_user["username"]
    listing = await call(agent, "GET", "/console/api/handoffs")
    assert handoff_id in [h["id"] for h in listing["handoffs"]]
    await call(agent, "GET", "/console/api/handoffs?closed=1")
    await call(boss, "GET", "/console/api/handoffs?closed=1")
    await call(agent, "GET", "/console/api/staff")
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/reply", json={"text": "hello"}, expect=403)
    await call(boss, "POST", f"/console/handoffs/{handoff_id}/reply", json={"text": "hello"}, expect=409)
    taken = await call(agent, "POST", f"/console/handoffs/{handoff_id}/take")
    assert taken["handoff"]["assigned_to_me"] is True
    detail = await call(agent, "GET", f"/console/api/handoffs/{handoff_id}")
    assert [line["who"] for line in detail["transcript"]][:2] == ["customer", "assistant"]
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/reply", json={"text": "Hi, Alex here."})
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/reply", json={"text": " "}, expect=422)
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/notes", json={"text": "Wants a call back"})
    await call(
        agent, "POST", f"/console/handoffs/{handoff_id}/revoke", json={"confirmation_number": "X"}, expect=409
    )  # the customer has not verified in this chat
    await call(
        agent, "POST", f"/console/handoffs/{handoff_id}/payment-plan", json={"months": 3}, expect=409
    )  # the same: a payment plan only for a customer verified in the chat
    await call(agent, "GET", "/console/api/canned")
    await call(boss, "POST", "/console/canned", json={"replies": "- title: Hi\n  text: Hello there.\n"})
    await call(boss, "POST", "/console/canned", json={"replies": "- nope"}, expect=422)
    await call(
        agent, "POST", "/console/canned", json={"replies": "- title: Hi\n  text: Hello.\n"}, expect=403
    )
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/notes", json={"text": " "}, expect=422)
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/take", csrf="wrong", expect=403)
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/handback")
    await call(agent, "GET", "/console/api/handoffs/999999", expect=404)

    # a verified customer's chat: the account is in the detail; the supervisor assigns and closes it
    account = make_account(db)
    conversation = "conv-" + secrets.token_hex(4)
    who = await api.verify(account, conversation)
    status, queued = await api.post(
        "/api/v1/handoffs", {"conversation_id": conversation, "reason": "customer_request"}, who
    )
    handoff_id = queued["handoff"]["id"]
    await call(boss, "POST", f"/console/handoffs/{handoff_id}/assign", json={"staff": agent_user["username"]})
    detail = await call(boss, "GET", f"/console/api/handoffs/{handoff_id}")
    assert detail["account"]["account_number"] == account["account_number"]
    await call(agent, "POST", f"/console/handoffs/{handoff_id}/close", expect=403)
    await call(boss, "POST", f"/console/handoffs/{handoff_id}/close")
    rasa.down = True
    conversation = "conv-" + secrets.token_hex(4)
    await api.post("/api/v1/handoffs", {"conversation_id": conversation, "reason": "customer_request"})
    listing = await call(boss, "GET", "/console/api/handoffs")
    down_id = next(h["id"] for h in listing["handoffs"] if h["conversation_id"] == conversation)
    detail = await call(boss, "GET", f"/console/api/handoffs/{down_id}")
    assert detail["transcript"] is None
    await call(boss, "POST", f"/console/handoffs/{down_id}/take", expect=502)
    rasa.down = False

    await call(agent, "POST", "/console/availability", json={"available": False})
    await call(agent, "POST", "/console/availability", json={"available": "maybe"}, expect=422)
    await call(boss, "POST", "/console/duty", json={"mode": "auto"})
    await call(agent, "POST", "/console/duty", json={"mode": "on"}, expect=403)
    await call(boss, "GET", "/console/outbox")  # message delivery (backend/delivery)
    await call(agent, "GET", "/console/outbox", expect=403)
    await call(boss, "POST", "/console/outbox/999999/retry", expect=409)
    await call(agent, "GET", "/console/returns")
    await call(agent, "POST", "/console/returns/RMA-NONE2345/received", expect=404)
    await call(agent, "POST", "/console/logout")


async def test_real_answers_match_the_documented_schemas(backend, spec, db, rasa):
    api, console_factory = backend
    await _api_answers(api, spec, db)
    await _console_answers(api, console_factory, spec, db, rasa)
    called = {(method, path) for method, path, _status in spec.checked}
    missing = spec.json_operations() - called - NOT_CALLED
    assert not missing, f"JSON routes whose answers were not checked: {sorted(missing)}"


async def test_every_route_of_the_served_app_is_documented(backend):
    api, _ = backend
    routed = {(r.method, r.resource.canonical) for r in api.client.app.router.routes() if r.method != "HEAD"}
    document = openapi_document()
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert documented == routed
    console_json = {(m, p) for m, p in routed if p.startswith("/console/api/")}
    assert console_json and console_json <= documented
    # every operation says what it answers, with a schema for each JSON answer
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"] and operation.get("summary"), (method, path)
            assert operation.get("tags"), (method, path)
            for code, answer in operation["responses"].items():
                for media in answer.get("content", {}).values():
                    assert "schema" in media, (method, path, code)


async def test_reference_page_and_public_spec_need_no_token_but_the_api_does(backend):
    api, _ = backend
    page = await api.client.get("/docs/api")
    text = await page.text()
    assert page.status == 200 and page.content_type == "text/html"
    assert 'data-spec-url="/docs/openapi.json"' in text and "/static/api-reference.js" in text
    assert "http://" not in text and "https://" not in text  # nothing from another site
    spec = await api.client.get("/docs/openapi.json")
    assert spec.status == 200 and (await spec.json())["paths"]
    for path in ("/openapi.json", "/api/v1/services"):
        refused = await api.client.get(path)
        assert refused.status == 401 and (await refused.json())["error"] == "unauthorized"
    assert TOKEN not in text and TOKEN not in await spec.text()
