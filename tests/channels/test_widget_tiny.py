"""The website widget in headless Chromium against Rasa's socket.io channel with the tiny test
model (independent of the real assistant and the backend): the greeting on open, conversation,
buttons, keyboard, screen-reader labels, typing indicator, reload, reconnection with messages
typed offline (marked not delivered, kept over a reload, sent on reconnect), a message stored
while the widget was disconnected shown on reconnect (once: nothing already shown again), start
over.

The page is the demo page served by ``backend.web.routes.setup_web_routes`` on an aiohttp app; Rasa
runs in-process (real Sanic server, ``SocketIOInput`` with ``session_persistence: true``)."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from backend.web.routes import setup_web_routes
from tests.channels.browser import chromium_page, screenshot
from tests.channels.conftest import free_port, rasa_channel_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONNECTED = re.compile("^Connected$")
GREETING = "Hello from the test bot."  # the tiny bot's utter_greet, the answer to /greet


def socketio_channel():
    """The channel of credentials.yml: server-signed session ids (bot/channels/socketio.py)."""
    from bot.channels.socketio import SignedSocketIOInput

    return SignedSocketIOInput(session_persistence=True)


@asynccontextmanager
async def page_server(rasa_url: str, port: int = 0):
    app = web.Application()
    setup_web_routes(app, rasa_url=rasa_url)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = port or free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


class Widget:
    """The widget as a customer (and a screen reader) sees it."""

    def __init__(self, page) -> None:
        self.page = page
        self.log = page.get_by_role("log", name="Conversation")
        self.input = page.get_by_label("Your message")
        self.send_button = page.get_by_role("button", name="Send", exact=True)
        self.status = page.locator("#cancel-assistant-widget .status")

    async def open(self, launcher: str = "Cancellation assistant") -> None:
        await self.page.get_by_role("button", name=launcher).click()
        await self.input.wait_for()

    async def connected(self) -> None:
        from playwright.async_api import expect

        await expect(self.status).to_have_text(CONNECTED)

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.input.press("Enter")

    async def bot_says(self, text: str, count: int = 1) -> None:
        from playwright.async_api import expect

        await expect(self.log.locator(".msg.bot").filter(has_text=text)).to_have_count(count)

    async def texts(self) -> list:
        return [t.strip() for t in await self.log.locator(".msg p").all_inner_texts()]

    async def session_id(self) -> str:
        return await self.page.evaluate("localStorage.getItem('cancel-assistant:session-id')")

    def undelivered(self):
        return self.log.locator(".msg.user[data-delivery=not-delivered]")


async def user_texts(agent, sender: str) -> list:
    tracker = await agent.tracker_store.retrieve(sender)
    return [] if tracker is None else [e.text for e in tracker.events if e.type_name == "user"]


async def test_conversation_with_buttons_keyboard_and_labels(widget_ready, tiny_agent):
    from playwright.async_api import expect

    async with rasa_channel_server(tiny_agent, [socketio_channel()]) as rasa_url:
        async with page_server(rasa_url) as url, chromium_page() as page:
            await page.goto(url)
            widget = Widget(page)
            snippet = await page.locator("#snippet").inner_text()
            assert (
                snippet
                == (  # the backend's URL: the widget offers a reply email off duty (docs/handoff.md)
                    f'<script src="{url}static/widget.js" data-socket-url="{rasa_url}" '
                    f'data-backend-url="{url.rstrip("/")}" defer></script>'
                )
            )
            await widget.open()
            await expect(widget.input).to_be_focused()
            await widget.connected()
            await expect(widget.log).to_have_attribute("aria-live", "polite")
            # opening a new conversation asks the assistant for its greeting (not shown as typed)
            await widget.bot_says(GREETING)
            assert await widget.texts() == [GREETING]

            # the typing indicator shows while the assistant answers, and goes away
            await page.evaluate(
                """() => {
                  const root = document.querySelector('#cancel-assistant-widget').shadowRoot;
                  const typing = root.querySelector('.typing');
                  window.typingSeen = false;
                  new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
                    .observe(typing, {attributes: true});
                }"""
            )
            await widget.say("hello")
            await widget.bot_says(GREETING, count=2)
            assert await page.evaluate("window.typingSeen") is True
            await expect(page.locator("#cancel-assistant-widget .typing")).to_be_hidden()
            await expect(widget.input).to_be_focused()
            await expect(widget.input).to_have_value("")

            await widget.say("show me options")
            choices = widget.log.get_by_role("group", name="Suggested replies").get_by_role("button")
            await expect(choices).to_have_text(["Yes", "No"])
            # buttons are reachable with the keyboard: Shift+Tab from the input reaches "No"
            await widget.input.focus()
            await page.keyboard.press("Shift+Tab")
            await expect(choices.nth(1)).to_be_focused()
            await page.keyboard.press("Enter")
            await widget.bot_says("You chose no.")
            # the title is shown as the customer's message, not the payload
            assert (await widget.texts())[-2:] == ["No", "You chose no."]
            assert "/deny" not in " ".join(await widget.texts())
            await expect(choices.nth(0)).to_be_disabled()
            await expect(widget.input).to_be_focused()

            # clicking with the mouse works too, on a fresh set of buttons
            await widget.say("show me options")
            await widget.bot_says("Do you want to continue?", count=2)
            await widget.log.get_by_role("button", name="Yes").last.click()
            await widget.bot_says("You chose yes.")

            session = await widget.session_id()
            assert await user_texts(tiny_agent, session) == [
                "/greet",
                "hello",
                "show me options",
                "/deny",
                "show me options",
                "/affirm",
            ]

            # Escape closes the panel and gives focus back to the launcher
            await page.keyboard.press("Escape")
            launcher = page.get_by_role("button", name="Cancellation assistant")
            await expect(launcher).to_be_focused()
            await expect(launcher).to_have_attribute("aria-expanded", "false")


async def test_reload_keeps_the_conversation_and_the_transcript(widget_ready, tiny_agent):
    from playwright.async_api import expect

    async with rasa_channel_server(tiny_agent, [socketio_channel()]) as rasa_url:
        async with page_server(rasa_url) as url, chromium_page() as page:
            await page.goto(url)
            widget = Widget(page)
            await widget.open()
            await widget.connected()
            await widget.bot_says(GREETING)
            await widget.say("show me options")
            await widget.bot_says("Do you want to continue?")
            session = await widget.session_id()
            assert session

            await page.reload()
            widget = Widget(page)
            # still open, same transcript, same session, buttons still usable; not greeted again
            await expect(widget.input).to_be_visible()
            await widget.connected()
            assert await widget.texts() == [GREETING, "show me options", "Do you want to continue?"]
            assert await widget.session_id() == session
            await widget.log.get_by_role("button", name="Yes").click()
            await widget.bot_says("You chose yes.")
            assert await user_texts(tiny_agent, session) == ["/greet", "show me options", "/affirm"]

            # Start over: new session, greeted again, nothing of the old transcript
            await page.get_by_role("button", name="Start over").click()
            await widget.bot_says(GREETING)
            await expect(widget.log.locator(".msg")).to_have_count(1)
            await widget.say("hello")
            await widget.bot_says(GREETING, count=2)
            new_session = await widget.session_id()
            assert new_session not in (None, session)
            assert await user_texts(tiny_agent, new_session) == ["/greet", "hello"]


async def test_reconnects_with_a_visible_status_and_continues(widget_ready, tiny_agent):
    """A message typed while Rasa is down is shown as not delivered, survives a reload, and is
    sent (once) when Rasa is back."""
    from playwright.async_api import expect

    port = free_port()
    async with chromium_page() as page, page_server(f"http://127.0.0.1:{port}") as url:
        async with rasa_channel_server(tiny_agent, [socketio_channel()], port=port):
            await page.goto(url)
            widget = Widget(page)
            await widget.open()
            await widget.connected()
            await widget.bot_says(GREETING)
            await widget.say("hello")
            await widget.bot_says(GREETING, count=2)
            await expect(widget.undelivered()).to_have_count(0)
            session = await widget.session_id()
        # Rasa is down: the customer sees it
        await page.reload()  # a reload while Rasa is down too
        widget = Widget(page)
        await expect(widget.status).to_have_text(re.compile("Reconnecting|Retrying"))
        # a message typed while offline is shown as not delivered, and kept over a reload
        await widget.say("show me options")
        undelivered = widget.undelivered()
        await expect(undelivered).to_have_count(1)
        await expect(undelivered).to_contain_text("show me options")
        await expect(undelivered).to_contain_text("Not delivered yet")
        await screenshot(page, "widget-1280-not-delivered")
        await page.reload()
        widget = Widget(page)
        await expect(widget.undelivered()).to_have_count(1)
        await expect(widget.undelivered()).to_contain_text("show me options")
        async with rasa_channel_server(tiny_agent, [socketio_channel()], port=port):
            await expect(widget.status).to_have_text(CONNECTED, timeout=30000)
            await widget.bot_says("Do you want to continue?")
            await expect(widget.undelivered()).to_have_count(0)
            sent = widget.log.locator(".msg.user").filter(has_text="show me options")
            await expect(sent).to_have_attribute("data-delivery", "delivered")
            await expect(widget.log.locator(".delivery")).to_have_count(0)
            await screenshot(page, "widget-1280-delivered-after-reconnect")
            await widget.say("hello")
            await widget.bot_says(GREETING, count=3)
    assert await user_texts(tiny_agent, session) == ["/greet", "hello", "show me options", "hello"]


async def test_a_message_stored_while_disconnected_is_shown_on_reconnect_once(widget_ready, tiny_agent):
    """What a staff reply sent while the customer's replica was down looks like: stored in the
    conversation, missed by the socket; the widget reconnects, says the last message it saw,
    and shows the missed one once, and nothing it had shown before again (bot/channels/replay.py)."""
    import time

    from playwright.async_api import expect
    from rasa.shared.core.events import BotUttered

    port = free_port()
    async with chromium_page() as page, page_server(f"http://127.0.0.1:{port}") as url:
        async with rasa_channel_server(tiny_agent, [socketio_channel()], port=port):
            await page.goto(url)
            widget = Widget(page)
            await widget.open()
            await widget.connected()
            await widget.bot_says(GREETING)
            await widget.say("hello")
            await widget.bot_says(GREETING, count=2)
            session = await widget.session_id()
        await expect(widget.status).to_have_text(re.compile("Reconnecting|Retrying"))
        missed = "Agent Alex here: I have checked your account, all is in order."
        tracker = await tiny_agent.tracker_store.retrieve(session)
        tracker.update(BotUttered(missed, timestamp=time.time()))
        await tiny_agent.tracker_store.save(tracker)
        async with rasa_channel_server(tiny_agent, [socketio_channel()], port=port):
            await expect(widget.status).to_have_text(CONNECTED, timeout=30000)
            await widget.bot_says(missed)
            assert await widget.texts() == [GREETING, "hello", GREETING, missed]
            await page.reload()  # the reload reconnects too: nothing is shown twice
            widget = Widget(page)
            await widget.connected()
            await widget.say("hello")
            await widget.bot_says(GREETING, count=3)
            assert await widget.texts() == [GREETING, "hello", GREETING, missed, "hello", GREETING]
