"""An unreachable or failing action server gives the customer a clear message (issue 14: the
action server killed before or during filing left the customer in silence)."""

import asyncio

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_action_failures
from bot.rasa_action_failures import ACTION_FAILED_TEXT

DOMAIN = Domain.from_yaml('version: "3.1"\nactions: [action_cancel_finish]\n')


async def _server(status: int, delay: float = 0):
    async def answer(request):
        await asyncio.sleep(delay)
        return web.json_response({"action_name": "action_cancel_finish", "error": "no"}, status=status)

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"


async def _run(url):
    rasa_action_failures.install()
    action = RemoteAction("action_cancel_finish", EndpointConfig(url))
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    return await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, DOMAIN)


async def test_action_server_down_is_answered():
    events = await _run("http://127.0.0.1:9/webhook")  # nothing listens there
    assert [e.text for e in events if isinstance(e, BotUttered)] == [ACTION_FAILED_TEXT]


async def test_action_server_error_is_answered():
    runner, url = await _server(500)
    try:
        events = await _run(url)
    finally:
        await runner.cleanup()
    assert [e.text for e in events if isinstance(e, BotUttered)] == [ACTION_FAILED_TEXT]


async def test_a_rejection_is_not_a_failure():
    runner, url = await _server(400)
    try:
        with pytest.raises(ActionExecutionRejection):
            await _run(url)
    finally:
        await runner.cleanup()
