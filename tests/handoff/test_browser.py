"""Live takeover in two browser pages (system Chromium): a customer asks for a person in the
website widget, an agent signs in to the staff console, takes the chat and replies; the reply
appears in the widget; the agent hands back and the assistant answers the customer again.

Staff are put on duty by the supervisor's override, so the test does not depend on the clock."""

from __future__ import annotations

import asyncio
import re
import secrets
import urllib.request

import pytest

from tests.channels.browser import chromium_page, ensure_widget_bundle, require_chromium
from tests.handoff.console_http import StackConsole
from tests.handoff.test_stack import AGENT, SUPERVISOR

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live(stack):
    require_chromium()
    ensure_widget_bundle()
    with urllib.request.urlopen(f"{stack.backend_url}/", timeout=10) as answer:
        if "static/widget.js" not in answer.read().decode():
            pytest.skip("the backend does not serve the widget demo page")
    # The first free-text message a fresh Rasa process parses takes 9-16 s on the shared test machine
    # (the NLU pipeline's first inference), later ones about 0.1 s: one parsed now keeps that out of
    # what the tests' customers and agents wait for.
    stack.say("warm-up-" + secrets.token_hex(3), "hello, I have a question about my bill")
    supervisor = StackConsole(stack.backend_url).login(*SUPERVISOR)
    assert supervisor.post("/console/duty", {"mode": "on"})[0] == 200
    yield stack, supervisor
    supervisor.post("/console/duty", {"mode": "auto"})


async def _bot_texts(page) -> list:
    log = page.get_by_role("log", name="Conversation")
    return [t.strip() for t in await log.locator(".msg.bot p").all_inner_texts()]


async def _wait_for_bot_text(page, pattern: str, timeout: float = 30.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for text in await _bot_texts(page):
            if re.search(pattern, text):
                return text
        await asyncio.sleep(0.2)
    raise AssertionError(f"no bot message matching {pattern!r}; got {await _bot_texts(page)}")


async def _send(page, text: str) -> None:
    box = page.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")


async def test_agent_takes_over_in_the_widget_and_hands_back(live):
    from playwright.async_api import expect

    stack, supervisor = live
    async with chromium_page() as customer:
        await customer.goto(f"{stack.backend_url}/")
        launcher = customer.get_by_role("button", name="Cancellation assistant")
        if await launcher.is_visible():
            await launcher.click()
        await expect(customer.locator("#cancel-assistant-widget .status")).to_have_text(
            "Connected", timeout=30000
        )
        await _send(customer, "/request_human")
        await _wait_for_bot_text(customer, "member of our team")
        session_id = await customer.evaluate("localStorage.getItem('cancel-assistant:session-id')")
        assert stack.tracker(session_id)["paused"] is True
        handoff = next(
            h
            for h in supervisor.get("/console/api/handoffs")[1]["handoffs"]
            if h["conversation_id"] == session_id
        )
        assert handoff["channel"] == "socketio"

        # the agent, in a browser context of their own
        context = await customer.context.browser.new_context()
        agent = await context.new_page()
        agent.set_default_timeout(20000)
        await agent.goto(f"{stack.backend_url}/console/")
        await expect(agent).to_have_url(re.compile(r"/console/login$"))
        await agent.get_by_label("Username").fill(AGENT[0])
        await agent.get_by_label("Password").fill(AGENT[1])
        await agent.get_by_role("button", name="Sign in").click()
        await expect(agent).to_have_url(re.compile(r"/console/queue$"))
        await agent.get_by_role("link", name=f"#{handoff['id']}").click()
        await agent.get_by_role("button", name="Take this chat").click()
        await _wait_for_bot_text(customer, "Alex from our support team has joined")

        reply = "Hi, I'm Alex from support. I can see your chat; how can I help?"
        await agent.get_by_label("Reply to the customer").fill(reply)
        await agent.get_by_role("button", name="Send").click()
        assert await _wait_for_bot_text(customer, re.escape(reply)) == reply
        await expect(agent.get_by_role("list", name="Transcript")).to_contain_text(reply)

        # the customer writes while the agent has the chat: the assistant stays quiet
        await _send(customer, "I just wanted to check on my bill")
        await expect(agent.get_by_role("list", name="Transcript")).to_contain_text(
            "check on my bill", timeout=15000
        )
        before = await _bot_texts(customer)

        await agent.get_by_role("button", name="Hand back to the assistant").click()
        await _wait_for_bot_text(customer, "back with the assistant")
        assert not any("check on my bill" in t for t in await _bot_texts(customer))
        count = len(await _bot_texts(customer))
        assert count == len(before) + 1

        await _send(customer, "/greet")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while len(await _bot_texts(customer)) <= count and loop.time() < deadline:
            await asyncio.sleep(0.2)
        assert len(await _bot_texts(customer)) > count, "the assistant did not answer after the hand back"
        assert stack.tracker(session_id)["paused"] is False
        await context.close()
