"""The staff console and the widget during a handoff, in two browser pages (system Chromium, 1280x800)
against the real stack: what the customer and the agent or supervisor see at each step.

Screenshots: results/screenshots/console-*.png and widget-handoff-*.png (SCREENSHOT_DIR overrides)."""

from __future__ import annotations

import re

import pytest

from tests.channels.browser import screenshot
from tests.handoff.console_http import StackConsole
from tests.handoff.test_browser import _bot_texts, _wait_for_bot_text, live  # noqa: F401  (fixture)
from tests.handoff.test_stack import AGENT

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _widget(page):
    return page.locator("#cancel-assistant-widget")


async def _customer_asks_for_a_person(browser_page, stack):
    """Open the widget on the demo page; press the greeting menu's "Talk to a person" button."""
    from playwright.async_api import expect

    await browser_page.goto(f"{stack.backend_url}/")
    launcher = browser_page.get_by_role("button", name="Cancellation assistant")
    if await launcher.is_visible():
        await launcher.click()
    await expect(_widget(browser_page).locator(".status")).to_have_text("Connected", timeout=30000)
    await browser_page.get_by_role("button", name="Talk to a person").click(timeout=30000)
    await _wait_for_bot_text(browser_page, "member of our team")
    return await browser_page.evaluate("localStorage.getItem('cancel-assistant:session-id')")


async def _sign_in(page, backend_url, username, password):
    from playwright.async_api import expect

    await page.goto(f"{backend_url}/console/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/console/queue$"))


def _handoff_of(console, session_id):
    return next(
        h for h in console.get("/console/api/handoffs")[1]["handoffs"] if h["conversation_id"] == session_id
    )


async def _in_view(locator, height=800):
    box = await locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


async def test_agent_works_a_chat_and_hands_back_without_a_wrong_message(live):  # noqa: F811
    from playwright.async_api import expect

    from tests.channels.browser import chromium_page

    stack, supervisor = live
    agent_http = StackConsole(stack.backend_url).login(*AGENT)
    assert agent_http.post("/console/availability", {"available": False})[0] == 200  # nobody available
    async with chromium_page() as customer:
        session_id = await _customer_asks_for_a_person(customer, stack)
        widget = _widget(customer)
        # on duty but no one available: an honest place in line and wait, and no typing dots
        waiting = widget.locator(".handoff-state")
        await expect(waiting).to_have_text(re.compile(r"you're number \d+ in line, about \d+ min"))
        assert not any("with you shortly" in t for t in await _bot_texts(customer))
        await expect(widget.locator(".typing")).to_be_hidden()
        await screenshot(customer, "widget-handoff-waiting")
        hid = _handoff_of(supervisor, session_id)["id"]

        context = await customer.context.browser.new_context(viewport={"width": 1280, "height": 800})
        agent = await context.new_page()
        agent.set_default_timeout(20000)
        await _sign_in(agent, stack.backend_url, *AGENT)
        row = agent.get_by_role("row").filter(has=agent.get_by_role("link", name=f"#{hid}"))
        await expect(row).to_contain_text("Asked for a person")
        await expect(row).to_contain_text("Website chat")
        await expect(row).not_to_contain_text("socketio")
        await agent.get_by_role("link", name=f"#{hid}").click()

        transcript = agent.get_by_role("list", name="Transcript")
        pressed = transcript.locator("li.customer").filter(has_text="Talk to a person")
        await expect(pressed).to_have_count(1)
        await expect(pressed.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
        await expect(transcript).not_to_contain_text("[pressed")
        await expect(transcript).not_to_contain_text("/request_human")
        await expect(transcript.locator("li.assistant .who").first).to_have_text("Assistant")
        # not taken yet: no reply box
        await expect(agent.get_by_label("Reply to the customer")).to_have_count(0)
        await expect(agent.get_by_text("Take this chat to answer")).to_be_visible()

        await agent.get_by_role("button", name="Take this chat").click()
        reply_box = agent.get_by_label("Reply to the customer")
        await expect(reply_box).to_be_visible()
        hand_back = agent.get_by_role("button", name="Hand back to the assistant")
        assert await _in_view(reply_box) and await _in_view(agent.get_by_role("button", name="Send"))
        assert await _in_view(hand_back), "Hand back is below the fold at 1280x800"

        # the customer sees who answers, in the agent's style, and the waiting state ends
        await _wait_for_bot_text(customer, "Alex from our support team has joined")
        await expect(waiting).to_have_text("Alex from our support team is answering.")
        reply = "Hi, I'm Alex. I can see your chat: what can I do for you?"
        await reply_box.fill(reply)
        await reply_box.press("Enter")
        agent_message = widget.locator(".msg.agent").filter(has_text=reply)
        await expect(agent_message).to_have_count(1)
        await expect(agent_message.locator(".sender")).to_have_text("Alex \u00b7 support team")
        colours = await customer.evaluate("""() => {
            const root = document.querySelector('#cancel-assistant-widget').shadowRoot;
            const bg = (sel) => getComputedStyle([...root.querySelectorAll(sel)].pop()).backgroundColor;
            return [bg('.msg.agent'), bg('.msg.bot:not(.agent)')];
        }""")
        assert colours[0] != colours[1], colours
        await expect(transcript.locator("li.agent").filter(has_text=reply).locator(".who")).to_have_text(
            "Alex"
        )
        await screenshot(agent, "console-chat-taken")
        await screenshot(customer, "widget-handoff-agent")

        # hand back: the queue with a confirmation, never "No such open handoff"
        await hand_back.click()
        await expect(agent).to_have_url(re.compile(r"/console/queue$"))
        await expect(agent.locator("#flash")).to_have_text(f"Chat #{hid} is back with the assistant.")
        await expect(agent.get_by_text("No such open handoff")).to_have_count(0)
        await expect(agent.locator(".error").filter(has_text=re.compile(r"\S"))).to_have_count(0)
        await screenshot(agent, "console-after-hand-back")
        await _wait_for_bot_text(customer, "back with the assistant")
        await expect(waiting).to_be_hidden()

        # the closed chat stays readable in the history
        await agent.goto(f"{stack.backend_url}/console/handoffs/{hid}")
        await expect(agent.get_by_text("Handed back to the assistant").first).to_be_visible()
        await expect(agent.get_by_label("Reply to the customer")).to_have_count(0)
        await context.close()


async def test_supervisor_sees_no_reply_box_before_taking_and_assign_tells_both(live):  # noqa: F811
    from playwright.async_api import expect

    from tests.channels.browser import chromium_page

    stack, supervisor = live
    async with chromium_page() as customer:
        session_id = await _customer_asks_for_a_person(customer, stack)
        hid = _handoff_of(supervisor, session_id)["id"]
        browser = customer.context.browser
        boss_context = await browser.new_context(viewport={"width": 1280, "height": 800})
        agent_context = await browser.new_context(viewport={"width": 1280, "height": 800})
        boss, agent = await boss_context.new_page(), await agent_context.new_page()
        for page in (boss, agent):
            page.set_default_timeout(20000)
        await _sign_in(agent, stack.backend_url, *AGENT)  # Alex watches the queue
        await expect(agent.get_by_role("link", name=f"#{hid}")).to_be_visible()
        await _sign_in(boss, stack.backend_url, "sam", "sam-demo-password")
        await boss.goto(f"{stack.backend_url}/console/handoffs/{hid}")
        await expect(boss.get_by_role("button", name="Take this chat")).to_be_visible()
        await expect(boss.get_by_label("Reply to the customer")).to_have_count(0)
        await expect(boss.locator("body")).not_to_contain_text("still answering")
        await screenshot(boss, "console-supervisor-before-taking")

        await boss.get_by_label("Assign to").select_option("alex")
        await boss.get_by_role("button", name="Assign").click()
        await expect(boss.locator("#handoff-status")).to_have_text("With Alex")
        await _wait_for_bot_text(customer, "Alex from our support team is taking over this chat")
        await expect(_widget(customer).locator(".handoff-state")).to_have_text(
            "Alex from our support team is answering."
        )
        await expect(agent.locator("#flash")).to_contain_text(
            f"Chat #{hid} was assigned to you", timeout=15000
        )
        await screenshot(agent, "console-assigned-to-me")
        # the supervisor may write in an assigned chat; then closes it
        await expect(boss.get_by_label("Reply to the customer")).to_be_visible()
        await boss.get_by_role("button", name="Close").click()
        await expect(boss).to_have_url(re.compile(r"/console/queue$"))
        await expect(boss.locator("#flash")).to_have_text(f"Chat #{hid} is closed.")
        await boss_context.close()
        await agent_context.close()


async def test_off_duty_the_customer_may_leave_an_email_and_is_told_cancelling_needs_no_one(live):  # noqa: F811
    from playwright.async_api import expect

    from tests.channels.browser import chromium_page

    stack, supervisor = live
    assert supervisor.post("/console/duty", {"mode": "off"})[0] == 200
    async with chromium_page() as customer:
        await customer.goto(f"{stack.backend_url}/")
        launcher = customer.get_by_role("button", name="Cancellation assistant")
        if await launcher.is_visible():
            await launcher.click()
        await customer.get_by_role("button", name="Talk to a person").click(timeout=30000)
        await _wait_for_bot_text(customer, "No one from our team is available right now")
        assert any("carry on with your cancellation" in t for t in await _bot_texts(customer))
        widget = _widget(customer)
        state = widget.locator(".handoff-state")
        await expect(state).to_contain_text("finish cancelling here without anyone")
        await screenshot(customer, "widget-handoff-off-duty")
        email = widget.get_by_label("Email for a reply")
        await email.fill("not an email")
        await widget.get_by_role("button", name="Send", exact=True).first.click()
        await expect(state).to_contain_text("Email for a reply")  # the browser's own check keeps the form
        await email.fill("erin.reply@example.com")
        await email.press("Enter")
        await expect(state).to_have_text(
            "Thanks: our team will reply to erin.reply@example.com when they are back."
        )
        session_id = await customer.evaluate("localStorage.getItem('cancel-assistant:session-id')")
        # the assistant still answers right away
        before = len(await _bot_texts(customer))
        await customer.get_by_role("button", name="Cancel a service").last.click()
        await expect(widget.locator(".msg.bot p")).not_to_have_count(before)
    handoff = _handoff_of(supervisor, session_id)
    assert handoff["reply_email"] == "erin.reply@example.com" and handoff["status"] == "queued"


RECORD_INTERVALS = (
    "window.__intervals = []; const _si = window.setInterval; "
    "window.setInterval = function (f, ms) { window.__intervals.push(ms); return _si(f, ms); };"
)


async def test_console_is_live_without_polling_new_chats_messages_and_typing(live):  # noqa: F811
    from playwright.async_api import expect

    from tests.channels.browser import chromium_page

    stack, supervisor = live
    async with chromium_page() as customer:
        context = await customer.context.browser.new_context(viewport={"width": 1280, "height": 800})
        await context.add_init_script(RECORD_INTERVALS)
        agent = await context.new_page()
        agent.set_default_timeout(20000)
        await _sign_in(agent, stack.backend_url, *AGENT)
        await expect(agent.locator("body")).to_have_attribute("data-live", "on")

        # a new chat shows up in the open queue by itself (and is announced)
        session_id = await _customer_asks_for_a_person(customer, stack)
        hid = _handoff_of(supervisor, session_id)["id"]
        await expect(agent.get_by_role("link", name=f"#{hid}")).to_be_visible()
        await expect(agent.locator("#flash")).to_contain_text(f"New chat waiting: #{hid}")

        await agent.get_by_role("link", name=f"#{hid}").click()
        await expect(agent.locator("body")).to_have_attribute("data-live", "on")
        await agent.get_by_role("button", name="Take this chat").click()
        await expect(agent.get_by_label("Reply to the customer")).to_be_visible()  # the page reloaded
        await expect(agent.locator("body")).to_have_attribute("data-live", "on")

        # the customer types: the console says so; the message appears without a reload
        box = customer.get_by_label("Your message")
        await _wait_for_bot_text(customer, "Alex from our support team has joined")
        await box.type("is my router included in the return", delay=20)
        await expect(agent.get_by_text("The customer is typing…")).to_be_visible()
        await screenshot(agent, "console-customer-typing")
        await box.press("Enter")
        transcript = agent.get_by_role("list", name="Transcript")
        await expect(transcript).to_contain_text("is my router included in the return")
        await expect(agent.get_by_text("The customer is typing…")).to_be_hidden()
        assert await agent.evaluate("window.__intervals") == [], "the console polls"
        await agent.get_by_role("button", name="Hand back to the assistant").click()
        await expect(agent).to_have_url(re.compile(r"/console/queue$"))
        await context.close()
