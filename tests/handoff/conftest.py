"""Fixtures of the handoff tests: a migrated database per module (SQLite, and PostgreSQL in a fresh
schema when TEST_POSTGRES_URL is set), the backend app with the staff console on aiohttp's test
server, a stand-in for Rasa's HTTP API, staff users, and a console client with its own cookies."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import backend.handoff.auth
from backend.config import Settings
from backend.console import setup_console
from backend.console.canned import DEFAULT_PATH as DEFAULT_CANNED
from backend.db import Database
from backend.handoff.auth import upsert_staff
from backend.server import create_app

# Fixtures and helpers shared with the backend tests (a migrated database per module, the policy).
from tests.backend.conftest import (
    IDENTIFIER_HASH_KEY,
    TOKEN,
    Api,
    _quiet_sqlite_decimal_warning,  # noqa: F401  (fixture)
    db,  # noqa: F401  (fixture)
    db_url,  # noqa: F401  (fixture)
    policy,  # noqa: F401  (fixture)
)

# Same code paths, cheaper hashing: production uses N=2^15.
backend.handoff.auth.SCRYPT_N = 2**10
ROOT = Path(__file__).resolve().parents[2]
RASA_TOKEN = "rasa-test-token"
PASSWORD = "correct-horse-battery"
_names = itertools.count(1)


class RasaStandIn:
    """Rasa's tracker endpoints, in memory: GET .../tracker and POST .../tracker/events."""

    def __init__(self) -> None:
        self.trackers: Dict[str, Dict[str, Any]] = {}
        self.appends: List[Dict[str, Any]] = []
        self.down = False
        self.slow = 0.0  # seconds every answer waits (a Rasa stuck in a long turn)
        self.url = ""

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return self.trackers.setdefault(
            conversation_id, {"sender_id": conversation_id, "events": [], "paused": False}
        )

    def say(self, conversation_id: str, who: str, text: str, **extra: Any) -> None:
        self.tracker(conversation_id)["events"].append(
            {"event": who, "text": text, "timestamp": 1.0, **extra}
        )

    def app(self) -> web.Application:
        async def get_tracker(request: web.Request) -> web.Response:
            await asyncio.sleep(self.slow)
            if self.down:
                return web.json_response({"status": "failure"}, status=500)
            if request.query.get("token") != RASA_TOKEN:
                return web.json_response({"status": "failure", "reason": "NotAuthenticated"}, status=401)
            return web.json_response(self.tracker(request.match_info["cid"]))

        async def append(request: web.Request) -> web.Response:
            await asyncio.sleep(self.slow)
            if self.down:
                return web.json_response({"status": "failure"}, status=500)
            if request.query.get("token") != RASA_TOKEN:
                return web.json_response({"status": "failure"}, status=401)
            events = await request.json()
            cid = request.match_info["cid"]
            self.appends.append({"conversation_id": cid, "events": events, "query": dict(request.query)})
            tracker = self.tracker(cid)
            for event in events:
                if event["event"] == "pause":
                    tracker["paused"] = True
                elif event["event"] == "resume":
                    tracker["paused"] = False
                tracker["events"].append(event)
            return web.json_response(tracker)

        app = web.Application()
        app.router.add_get("/conversations/{cid}/tracker", get_tracker)
        app.router.add_post("/conversations/{cid}/tracker/events", append)
        return app


@pytest.fixture
async def rasa():
    stand_in = RasaStandIn()
    server = TestServer(stand_in.app())
    await server.start_server()
    stand_in.url = str(server.make_url("")).rstrip("/")
    try:
        yield stand_in
    finally:
        await server.close()


def make_settings(db_url: str, rasa_url: str = "http://127.0.0.1:9", **extra: Any) -> Settings:
    return Settings(
        database_url=db_url,
        service_token=TOKEN,
        identifier_hash_key=IDENTIFIER_HASH_KEY,
        dev_outbox=True,
        rasa_url=rasa_url,
        rasa_token=RASA_TOKEN,
        **extra,
    )


@pytest.fixture
async def server(db_url, db, policy, rasa, tmp_path):
    """The backend with the console (what `cancel-backend serve` runs), on a free port; its canned
    replies file is a copy of the repository's (tests may change it)."""
    app = create_app(make_settings(db_url, rasa.url), policy=policy, db=db)
    canned = tmp_path / "canned_replies.yml"
    canned.write_text(DEFAULT_CANNED.read_text(encoding="utf-8"), encoding="utf-8")
    setup_console(app, canned_path=canned)
    test_server = TestServer(app)
    await test_server.start_server()
    try:
        yield test_server
    finally:
        await test_server.close()


@pytest.fixture
async def api(server):
    """Service-token client of the backend API."""
    from aiohttp.test_utils import TestClient

    client = TestClient(server)
    await client.start_server()
    try:
        yield Api(client)
    finally:
        await client.close()


def add_staff(db: Database, role: str = "agent", password: str = PASSWORD) -> Dict[str, str]:
    username = f"{role}{next(_names)}-{secrets.token_hex(2)}"
    db.transaction(upsert_staff, username, username.title(), role, password)
    return {"username": username, "password": password, "role": role}


class Console:
    """A browser-like client of the console: its own cookie jar, CSRF token once signed in."""

    def __init__(self, base_url: str, local_addr: Optional[str] = None) -> None:
        self.base = base_url.rstrip("/")
        # local_addr: another loopback address (127.0.0.2, ...) makes this console another client
        connector = aiohttp.TCPConnector(local_addr=(local_addr, 0)) if local_addr else None
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector)
        self.csrf: Optional[str] = None

    async def close(self) -> None:
        await self.http.close()

    async def login_csrf(self) -> str:
        async with self.http.get(self.base + "/console/login") as answer:
            page = await answer.text()
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    async def login(self, username: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        token = await self.login_csrf()
        async with self.http.post(
            self.base + "/console/login",
            json={"username": username, "password": password, "csrf_token": token},
        ) as answer:
            body = await answer.json()
            if answer.status == 200:
                self.csrf = body["csrf_token"]
            answer.body = body
            return answer

    async def get(self, path: str, **kw):
        async with self.http.get(self.base + path, allow_redirects=False, **kw) as answer:
            text = await answer.text()
            return answer.status, _maybe_json(text), answer

    async def post(self, path: str, json: Any = None, csrf: Any = True, **kw):
        headers = dict(kw.pop("headers", {}))
        if csrf is True and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        elif isinstance(csrf, str):
            headers["X-CSRF-Token"] = csrf
        if json is not None:
            kw["json"] = json
        async with self.http.post(self.base + path, headers=headers, allow_redirects=False, **kw) as answer:
            text = await answer.text()
            return answer.status, _maybe_json(text), answer


def _maybe_json(text: str):
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


@pytest.fixture
async def console_factory(server):
    made: List[Console] = []

    def make(local_addr: Optional[str] = None) -> Console:
        c = Console(str(server.make_url("")), local_addr)
        made.append(c)
        return c

    yield make
    for c in made:
        await c.close()


@pytest.fixture
async def agent(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    assert (await c.login(user["username"])).status == 200
    c.user = user
    return c


@pytest.fixture
async def supervisor(db, console_factory):
    user = add_staff(db, "supervisor")
    c = console_factory()
    assert (await c.login(user["username"])).status == 200
    c.user = user
    return c


async def queue_handoff(
    api: Api,
    conversation_id: Optional[str] = None,
    reason: str = "customer_request",
    channel: str = "socketio",
    who: Optional[Dict[str, str]] = None,
) -> Dict[str, Any]:
    conversation_id = conversation_id or "conv-" + secrets.token_hex(4)
    status, body = await api.post(
        "/api/v1/handoffs",
        {"conversation_id": conversation_id, "reason": reason, "channel": channel},
        who=who,
    )
    assert status in (200, 201), body
    return body
