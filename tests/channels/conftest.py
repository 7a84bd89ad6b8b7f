"""Fixtures of the channel tests: a tiny Rasa model (trained once per session from
tests/channels/tiny_bot, independent of the real assistant), Rasa's Agent, a real Sanic server
with the channels under test, and stand-ins for the Slack and Twilio APIs."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import textwrap
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional
from urllib.parse import parse_qs

import pytest
from aiohttp import web

TINY_BOT = Path(__file__).resolve().parent / "tiny_bot"

# 40 numbered sentences, about 2,300 characters: more than one SMS (1,600).
LONG_REPLY = " ".join(
    f"Sentence number {i} of the long reply is here to fill the message." for i in range(1, 41)
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A Rasa model of the tiny test bot (trained once per test session, a few seconds)."""
    from rasa.model_training import train

    work = tmp_path_factory.mktemp("tiny_bot")
    shutil.copytree(TINY_BOT, work, dirs_exist_ok=True)
    domain = work / "domain.yml"
    domain.write_text(domain.read_text().replace('"LONG_REPLY"', json.dumps(LONG_REPLY)))
    result = train(
        domain=str(domain),
        config=str(work / "config.yml"),
        training_files=[str(work / "data")],
        output=str(work / "models"),
        fixed_model_name="tiny",
    )
    assert result.code == 0 and result.model, "training the tiny test model failed"
    return Path(result.model)


@pytest.fixture(scope="session")
def tiny_agent(tiny_model):
    """Rasa's Agent with the tiny model and an in-memory tracker store."""
    from rasa.core.agent import Agent

    return Agent.load(str(tiny_model))


@asynccontextmanager
async def rasa_channel_server(
    agent, input_channels: List[Any], port: Optional[int] = None
) -> AsyncIterator[str]:
    """A real Sanic server with Rasa's channel routes (``/webhooks/<name>/webhook``)."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    Sanic.test_mode = True
    app = Sanic(f"channels_{id(input_channels)}_{free_port()}")
    register(input_channels, app, route="/webhooks/")
    app.ctx.agent = agent
    port = port or free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        for connection in list(server.connections):  # open websockets too: Rasa is gone
            connection.close()
        await server.wait_closed()
        await server.after_stop()


class StandIn:
    """A local stand-in for a vendor API: records every request, answers like the vendor."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.url = ""
        self._runner: Optional[web.AppRunner] = None
        self._arrived = asyncio.Event()

    async def _record(self, request: web.Request) -> Dict[str, Any]:
        raw = await request.read()
        if request.content_type == "application/json":
            body = json.loads(raw or b"{}")
        else:
            body = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw.decode()).items()}
        entry = {"path": request.path, "body": body, "headers": dict(request.headers)}
        self.requests.append(entry)
        self._arrived.set()
        return entry

    async def slack_post_message(self, request: web.Request) -> web.Response:
        entry = await self._record(request)
        return web.json_response(
            {"ok": True, "channel": entry["body"].get("channel"), "ts": "1700000000.000100"}
        )

    async def twilio_messages(self, request: web.Request) -> web.Response:
        entry = await self._record(request)
        body = entry["body"]
        sid = request.match_info["sid"]
        return web.json_response(
            {
                "sid": f"SM{len(self.requests):032d}",
                "account_sid": sid,
                "to": body.get("To"),
                "from": body.get("From"),
                "body": body.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{sid}/Messages/SM.json",
            },
            status=201,
        )

    async def start(self) -> "StandIn":
        app = web.Application()
        app.router.add_post("/api/chat.postMessage", self.slack_post_message)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.twilio_messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 20.0) -> List[Dict[str, Any]]:
        """Wait until at least ``count`` requests arrived; return them all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.requests) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                break
        return list(self.requests)


@pytest.fixture
async def stand_in():
    server = await StandIn().start()
    try:
        yield server
    finally:
        await server.stop()


def tracebacks(caplog) -> List[str]:
    """Log records that carry a traceback or are errors: bad input must cause neither.

    asyncio's "Task was destroyed but it is pending" notices are left out: the garbage collector
    prints them whenever it collects a task of an event loop an earlier test closed (socket.io's
    service task), so they say nothing about the request under test."""
    return [
        r.getMessage()
        for r in caplog.records
        if (r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage())
        and not (r.name == "asyncio" and r.getMessage().startswith("Task was destroyed but it is pending"))
    ]


__all__ = ["LONG_REPLY", "StandIn", "rasa_channel_server", "tracebacks", "free_port", "textwrap"]


@pytest.fixture
def widget_ready():
    """The system Chromium is there and the widget's bundle is built (the browser tests need both)."""
    from tests.channels.browser import ensure_widget_bundle, require_chromium

    require_chromium()
    ensure_widget_bundle()
