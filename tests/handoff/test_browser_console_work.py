"""The staff console's working tools in the browser (system Chromium, 1280x800), against the real
stack, with the customer in the website widget:

- a verified customer who filed a cancellation asks for a person: the agent finds the chat by its
  confirmation number, reads the cancellation's state in the panel, notes a payment plan and
  revokes the request from it, writes an internal note the customer never sees, answers with a
  canned reply, and hands back;
- a supervisor sees the staff and their load, sets the duty override, assigns a chat; the agent
  hears of new and assigned chats (browser notification, optional sound); two staff users on one
  chat see the same transcript; the closed chat is in the history with its outcome.

Screenshots: results/screenshots/console-panel-*.png, console-team-*.png (SCREENSHOT_DIR overrides)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.channels.browser import ROOT, screenshot
from tests.channels.test_widget_browser import Customer
from tests.handoff.console_http import StackConsole
from tests.handoff.test_browser import _bot_texts, _wait_for_bot_text, live  # noqa: F401  (fixture)
from tests.handoff.test_browser_console import _customer_asks_for_a_person, _handoff_of, _sign_in, _widget
from tests.handoff.test_stack import AGENT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACCOUNTS = Path(__file__).resolve().parent / "panel_accounts.yml"
PAULA = ("paula.panel@example.com", "02147")

# Records what the console asks of the browser: notifications shown and tones started.
RECORD_ALERTS = """
(function () {
  function load(key, empty) {
    try { return JSON.parse(sessionStorage.getItem(key)) || empty; } catch (e) { return empty; }
  }
  function save(key, value) { try { sessionStorage.setItem(key, JSON.stringify(value)); } catch (e) {} }
  function FakeNotification(title, options) {
    const notes = load("__notes", []); notes.push(title); save("__notes", notes);
  }
  FakeNotification.permission = "granted";
  FakeNotification.requestPermission = function () { return Promise.resolve("granted"); };
  window.Notification = FakeNotification;
  const RealContext = window.AudioContext;
  window.AudioContext = function () {
    const context = new RealContext();
    const make = context.createOscillator.bind(context);
    context.createOscillator = function () {
      const tone = make(); const start = tone.start.bind(tone);
      tone.start = function () { save("__tones", load("__tones", 0) + 1); return start.apply(null, arguments); };
      return tone;
    };
    return context;
  };
})();
"""


async def _recorded(page, key):
    """What RECORD_ALERTS kept in this tab (across its reloads)."""
    return await page.evaluate("(key) => JSON.parse(sessionStorage.getItem(key))", key)


def _load_panel_account(stack) -> None:
    subprocess.run(
        [str(Path(sys.executable).parent / "cancel-backend"), "load", str(ACCOUNTS)],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
    )


async def test_agent_works_the_cancellation_from_the_panel(live):  # noqa: F811
    from playwright.async_api import expect

    from tests.channels.browser import chromium_page

    stack, supervisor = live
    _load_panel_account(stack)
    async with chromium_page() as page:
        await page.goto(f"{stack.backend_url}/")
        customer = Customer(page, PAULA)
        await customer.open()
        number = await customer.answer_until_confirmed("I want to cancel my service")
        await customer.input.fill("/request_human")
        await customer.input.press("Enter")
        await _wait_for_bot_text(page, "member of our team|with you shortly")
        session_id = await page.evaluate("localStorage.getItem('cancel-assistant:session-id')")
        hid = _handoff_of(supervisor, session_id)["id"]

        context = await page.context.browser.new_context(viewport={"width": 1280, "height": 800})
        agent = await context.new_page()
        agent.set_default_timeout(20000)
        await _sign_in(agent, stack.backend_url, *AGENT)
        # search by the confirmation number: this chat only, with the customer's name
        await agent.get_by_label("Search").fill(number)
        await agent.get_by_role("button", name="Filter").click()
        rows = agent.get_by_role("table", name="Chats").locator("tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text(f"#{hid}")
        await expect(rows.first).to_contain_text("Paula Panel · 70000301")
        await agent.get_by_role("link", name=f"#{hid}").click()

        panel = agent.locator("aside.panel")
        await expect(panel).to_contain_text("Verified in this chat")
        for shown in (
            "70000301 · Paula Panel",
            "Paula Panel · p•••@example.com · •••-•••-0301",
            "$240.00",
            "Price",
            "Panel Hosting",
            "Cancellation pending",
            number,
            "Declined",
            "Netgear R7000 (serial …NEL9): to return",
        ):
            await expect(panel).to_contain_text(shown)
        await expect(panel).not_to_contain_text("paula.panel@example.com")
        await expect(panel).not_to_contain_text("cancellation_pending")
        transcript = agent.get_by_role("list", name="Transcript")
        for event in ("verified the customer", "offer declined", f"cancellation filed: {number}"):
            await expect(transcript.locator("li.event").filter(has_text=event)).to_have_count(1)
        await expect(panel.get_by_role("button", name="Note payment plan")).to_have_count(0)  # not taken
        await screenshot(agent, "console-panel-before-taking")

        await agent.get_by_role("button", name="Take this chat").click()
        await _wait_for_bot_text(page, "Alex from our support team has joined")
        # a payment plan for the balance, for billing
        await panel.get_by_label(re.compile("Split \\$240.00 over")).select_option("6")
        await panel.get_by_role("button", name="Note payment plan").click()
        await expect(panel.locator("#payment-plans")).to_have_text(
            "$240.00 over 6 months ($40.00 a month): waiting for Heather (billing)"
        )
        await expect(transcript).to_contain_text("payment plan noted: $240.00 over 6 months")
        # the customer changes their mind: the request is revoked by the assistant's rule
        await panel.get_by_role("button", name=f"Revoke {number}").click()
        await expect(
            transcript.locator("li.event").filter(has_text=f"cancellation revoked: {number}")
        ).to_have_count(1)
        await expect(panel).not_to_contain_text("Cancellation pending")
        await expect(panel.get_by_role("button", name=f"Revoke {number}")).to_have_count(0)

        # an internal note stays in the console
        note = "Customer prefers a call after 5 pm"
        await agent.get_by_label("Internal note").fill(note)
        await agent.get_by_role("button", name="Add note").click()
        await expect(agent.locator("#notes")).to_contain_text(note)
        # a canned reply fills the box; the agent sends it
        await agent.get_by_label("Canned reply").select_option(label="Payment plan")
        reply_box = agent.get_by_label("Reply to the customer")
        await expect(reply_box).to_have_value(re.compile("^We can split the remaining balance"))
        await reply_box.press("Enter")
        await _wait_for_bot_text(page, "We can split the remaining balance")
        assert not any(note in t for t in await _bot_texts(page))
        assert note not in await _widget(page).inner_text()
        await screenshot(agent, "console-panel-worked")

        await agent.get_by_role("button", name="Hand back to the assistant").click()
        await expect(agent.locator("#flash")).to_have_text(f"Chat #{hid} is back with the assistant.")
        await _wait_for_bot_text(page, "back with the assistant")
        await context.close()


async def test_supervisor_steers_the_team_and_the_agent_is_alerted(live):  # noqa: F811
    from playwright.async_api import expect

    from tests.channels.browser import chromium_page

    stack, supervisor = live
    alex_http = StackConsole(stack.backend_url).login(*AGENT)
    assert alex_http.post("/console/availability", {"available": True})[0] == 200
    async with chromium_page() as customer:
        browser = customer.context.browser
        agent_context = await browser.new_context(viewport={"width": 1280, "height": 800})
        await agent_context.add_init_script(RECORD_ALERTS)
        boss_context = await browser.new_context(viewport={"width": 1280, "height": 800})
        agent, boss = await agent_context.new_page(), await boss_context.new_page()
        for page in (agent, boss):
            page.set_default_timeout(20000)
        await _sign_in(agent, stack.backend_url, *AGENT)
        sound = agent.get_by_role("button", name=re.compile("^Sound on new chats"))
        await expect(sound).to_have_text("Sound on new chats: off")
        await sound.click()
        await expect(sound).to_have_text("Sound on new chats: on")
        await expect(sound).to_have_attribute("aria-pressed", "true")
        tones = await _recorded(agent, "__tones")
        assert tones == 1  # the sample on turning it on

        # the supervisor: staff on duty and their load, the duty override
        await _sign_in(boss, stack.backend_url, "sam", "sam-demo-password")
        staff = boss.get_by_role("table", name="Staff and their load")
        alex_row = staff.locator("tbody tr").filter(has_text="Alex")
        await expect(alex_row).to_contain_text("available")
        await expect(alex_row).not_to_contain_text("not available")
        load_before = int((await alex_row.locator("td").nth(3).inner_text()).strip())
        await boss.get_by_label("Duty").select_option("off")
        await boss.get_by_role("button", name="Set").click()
        await expect(boss.locator("#duty-text")).to_contain_text("Off duty")
        await boss.get_by_label("Duty").select_option("on")
        await boss.get_by_role("button", name="Set").click()
        await expect(boss.locator("#duty-text")).to_have_text("On duty")

        # someone is available: the customer is told a person will be with them shortly
        session_id = await _customer_asks_for_a_person(customer, stack)
        assert any("a person will be with you shortly" in t for t in await _bot_texts(customer))
        await expect(_widget(customer).locator(".handoff-state")).to_contain_text("shortly")
        hid = _handoff_of(supervisor, session_id)["id"]
        # the agent hears of it: a line, a browser notification, a tone
        await expect(agent.locator("#flash")).to_contain_text(f"New chat waiting: #{hid}")
        assert f"New chat waiting: #{hid}" in await _recorded(agent, "__notes")
        assert await _recorded(agent, "__tones") == tones + 1

        # Alex follows the chat; the supervisor assigns it to him from the chat page
        await agent.get_by_role("link", name=f"#{hid}").click()
        await boss.goto(f"{stack.backend_url}/console/handoffs/{hid}")
        await boss.get_by_label("Assign to").select_option("alex")
        await boss.get_by_role("button", name="Assign").click()
        await expect(boss.locator("#handoff-status")).to_have_text("With Alex")
        await _wait_for_bot_text(customer, "Alex from our support team is taking over this chat")
        await expect(agent.get_by_label("Reply to the customer")).to_be_visible()  # his page followed
        await expect(agent.locator("#flash")).to_contain_text(f"Chat #{hid} was assigned to you")
        assert f"Chat #{hid} was assigned to you" in await _recorded(agent, "__notes")
        assert await _recorded(agent, "__tones") == tones + 2
        await screenshot(agent, "console-team-assigned")

        # two staff users on one chat see the same transcript, live
        box = customer.get_by_label("Your message")
        await box.fill("can you also check my last invoice")
        await box.press("Enter")
        for page in (agent, boss):
            await expect(page.get_by_role("list", name="Transcript")).to_contain_text(
                "can you also check my last invoice",
                timeout=30000,  # Rasa parses it first
            )
        reply = "Sure, I'm looking at it now."
        await agent.get_by_label("Reply to the customer").fill(reply)
        await agent.get_by_role("button", name="Send").click()
        await expect(boss.get_by_role("list", name="Transcript")).to_contain_text(reply)
        await _wait_for_bot_text(customer, re.escape(reply))

        # the supervisor's queue shows Alex's load; then closes the chat
        await boss.goto(f"{stack.backend_url}/console/queue")
        await expect(alex_row.locator("td").nth(3)).to_have_text(str(load_before + 1))
        await boss.goto(f"{stack.backend_url}/console/handoffs/{hid}")
        await boss.get_by_role("button", name="Close").click()
        await expect(boss.locator("#flash")).to_have_text(f"Chat #{hid} is closed.")
        await expect(agent.locator(".conversation .notice")).to_have_text(
            "Closed by Sam: Closed by a supervisor.", timeout=15000
        )  # his page followed
        await expect(agent.get_by_label("Reply to the customer")).to_have_count(0)

        # the history: the closed chat with its outcome, found by its conversation id
        await agent.get_by_role("link", name="History").click()
        await agent.get_by_label("Search").fill(session_id)
        await agent.get_by_role("button", name="Filter").click()
        row = agent.get_by_role("table", name="Chats").locator("tbody tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("Closed: closed by a supervisor")
        await screenshot(agent, "console-team-history")
        await agent_context.close()
        await boss_context.close()

    # all of it audited, by whom
    steps = _audit(stack, ("staff_duty_override", "handoff_assigned", "handoff_closed"))
    assert ("staff_duty_override", {"staff": "sam", "mode": "off"}) in steps
    assert ("staff_duty_override", {"staff": "sam", "mode": "on"}) in steps
    mine = [(a, d["staff"]) for a, d in steps if d.get("handoff_id") == hid]
    assert mine == [("handoff_assigned", "sam"), ("handoff_closed", "sam")]


def _audit(stack, actions):
    """(action, details) of the stack's audit trail for these actions, oldest first."""
    from sqlalchemy import create_engine, text

    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT action, details FROM audit_events ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(a, json.loads(d) if isinstance(d, str) else d) for a, d in rows if a in actions]
