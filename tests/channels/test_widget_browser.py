"""The website widget with the whole assistant: backend (serving the demo page), action server and
Rasa with the real model (devstack/stack.py), driven in the system Chromium.

On open, a new conversation shows the assistant's own greeting and menu (with "Talk to a person"),
at 1280 and 375 px (screenshots in results/screenshots/, SCREENSHOT_DIR overrides). Then the
customer answers whatever the assistant asks (matched on the question's words, so the test
does not depend on exact wording) with the demo account of docs/fixtures.md until a confirmation
number (XXXX-XXXX-XXXX) is shown."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.channels.browser import (
    DESKTOP,
    PHONE,
    ROOT,
    chromium_page,
    ensure_widget_bundle,
    require_chromium,
    screenshot,
)
from tests.searchable import searchable

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CONFIRMATION = re.compile(r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b")

# Two Essentials accounts with one service, nothing owed, no equipment, loaded for these tests
# only (tests/channels/widget_accounts.yml): other tests on the shared stack cancel demo accounts.
ACCOUNTS = Path(__file__).resolve().parent / "widget_accounts.yml"
FIRST = ("wendy.widget@example.com", "02145")
SECOND = ("rita.reload@example.com", "02146")

# (words in the assistant's last message, what the customer answers), first match wins.
ANSWERS = [
    (r"confirmation number|anything else", None),  # done
    (r"\bzip\b|\bpin\b|one-time code|6-digit", "<zip>"),
    (r"e-?mail|account number|identify|phone", "<identifier>"),
    (r"offer|discount|instead|would you like to (stay|keep|switch|pause|downgrade)", "no thanks"),
    (r"why|reason", "it is too expensive"),
    (r"back(ed)? ?up|data", "yes"),
    (r"when|end date|immediately|billing period", "at the end of the billing period"),
    (r"confirm|summary|shall i|go ahead|correct|agree|terms", "yes"),
]


@pytest.fixture
def widget_stack(request):
    require_chromium()
    ensure_widget_bundle()
    stack = request.getfixturevalue("stack")
    with urllib.request.urlopen(f"{stack.backend_url}/", timeout=10) as answer:
        page = answer.read().decode()
    if "static/widget.js" not in page:
        pytest.skip("the backend does not serve the widget demo page: setup_web_routes is not wired in")
    load_accounts(stack)
    return stack


def load_accounts(stack) -> None:
    """Load this file's own accounts into the stack's backend database (an upsert)."""
    subprocess.run(
        [str(Path(sys.executable).parent / "cancel-backend"), "load", str(ACCOUNTS)],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
    )


class Customer:
    def __init__(self, page, account) -> None:
        self.page = page
        self.identifier, self.zip = account
        self.log = page.get_by_role("log", name="Conversation")
        self.input = page.get_by_label("Your message")

    async def open(self) -> None:
        """Open the panel; a new conversation waits for the assistant's greeting."""
        from playwright.async_api import expect

        launcher = self.page.get_by_role("button", name="Cancellation assistant")
        if await launcher.is_visible():
            await launcher.click()
        await expect(self.page.locator("#cancel-assistant-widget .status")).to_have_text(
            "Connected", timeout=30000
        )
        await expect(self.log.locator(".msg.bot").first).to_be_visible(timeout=60000)

    async def bot_texts(self) -> list:
        return [t.strip() for t in await self.log.locator(".msg.bot p").all_inner_texts()]

    async def say(self, text: str, timeout: float = 60.0) -> list:
        """Send ``text``; return the assistant's new messages once they stop coming."""
        before = len(await self.bot_texts())
        await self.input.fill(text)
        await self.input.press("Enter")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        count, quiet_since = before, None
        while loop.time() < deadline:
            await asyncio.sleep(0.2)
            now = len(await self.bot_texts())
            if now > count:
                count, quiet_since = now, loop.time()
            elif count > before and quiet_since and loop.time() - quiet_since > 1.5:
                break
        texts = await self.bot_texts()
        assert len(texts) > before, f"no answer to {text!r}"
        return texts[before:]

    def answer_to(self, question: str):
        answer = next((a for pattern, a in ANSWERS if re.search(pattern, question.lower())), "yes")
        return {"<zip>": self.zip, "<identifier>": self.identifier}.get(answer, answer)

    async def answer_until_confirmed(self, first: str, max_turns: int = 16) -> str:
        replies = await self.say(first)
        for _ in range(max_turns):
            joined = " ".join(replies)
            found = CONFIRMATION.search(joined)
            if found:
                return found.group(0)
            assert "couldn't file" not in joined.lower(), f"filing failed: {replies}"
            answer = self.answer_to(replies[-1])
            assert answer is not None, f"conversation ended without a confirmation number: {replies}"
            replies = await self.say(answer)
        transcript = await self.log.locator(".msg").all_inner_texts()
        raise AssertionError(f"no confirmation number after {max_turns} turns:\n" + "\n".join(transcript))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
async def test_opens_with_the_greeting_and_the_menu(widget_stack, viewport):
    from playwright.async_api import expect

    async with chromium_page(viewport) as page:
        await page.goto(f"{widget_stack.backend_url}/")
        customer = Customer(page, FIRST)
        await customer.open()
        greeting = customer.log.locator(".msg.bot").first
        await expect(greeting).to_contain_text("cancellation assistant")
        menu = customer.log.get_by_role("group", name="Suggested replies").first.get_by_role("button")
        await expect(menu.filter(has_text="Talk to a person")).to_be_visible()
        await expect(menu.filter(has_text="Cancel a service")).to_be_visible()
        await expect(menu.first).to_be_enabled()
        # the assistant's own greeting, asked once: the conversation holds one /greet and nothing typed
        session = await page.evaluate("localStorage.getItem('cancel-assistant:session-id')")
        texts = [e["text"] for e in widget_stack.tracker(session)["events"] if e["event"] == "user"]
        assert texts == ["/greet"]
        await screenshot(page, f"widget-{viewport['width']}-real-greeting")
        # a reload shows the same greeting without asking again
        await page.reload()
        await expect(customer.log.locator(".msg.bot")).to_have_count(1)
        await expect(customer.log.get_by_role("button", name="Talk to a person")).to_be_visible()
        # and the menu works: "Talk to a person" is answered by the assistant
        before = len(await customer.bot_texts())
        await customer.log.get_by_role("button", name="Talk to a person").click()
        await expect(customer.log.locator(".msg.bot").nth(before)).to_be_visible(timeout=60000)
        texts = [e["text"] for e in widget_stack.tracker(session)["events"] if e["event"] == "user"]
        assert texts == ["/greet", "/request_human"]


async def test_cancellation_completed_in_the_widget(widget_stack):
    async with chromium_page() as page:
        await page.goto(f"{widget_stack.backend_url}/")
        customer = Customer(page, FIRST)
        await customer.open()
        number = await customer.answer_until_confirmed("I want to cancel my service")
        assert CONFIRMATION.fullmatch(number)
        session = await page.evaluate("localStorage.getItem('cancel-assistant:session-id')")
        tracker = widget_stack.tracker(session)
        assert tracker["latest_input_channel"] == "socketio"
        # the secret factor never reached the stored conversation
        assert FIRST[1] not in searchable(tracker["events"])


async def test_reload_in_the_middle_of_a_cancellation(widget_stack):
    async with chromium_page() as page:
        await page.goto(f"{widget_stack.backend_url}/")
        customer = Customer(page, SECOND)
        await customer.open()
        await customer.say("I want to cancel my service")
        asked = await customer.say(SECOND[0])
        shown_before = await customer.bot_texts()

        await page.reload()
        customer = Customer(page, SECOND)
        await customer.open()
        # the transcript is back, and the conversation goes on where it was
        assert await customer.bot_texts() == shown_before
        number = await customer.answer_until_confirmed(customer.answer_to(asked[-1]))
        assert CONFIRMATION.fullmatch(number)
