"""The widget's branding attributes, its JavaScript API, its phone layout and the contrast of its
focus rings and input border, in headless Chromium at 1280 and 375 px against Rasa's socket.io
channel with the tiny test model (tests/channels/test_widget_tiny.py has the machinery).

Screenshots go to results/screenshots/ (SCREENSHOT_DIR overrides it); each path is printed."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.channels.browser import (
    DESKTOP,
    PHONE,
    chromium_page,
    contrast,
    parse_rgb,
    screenshot,
)
from tests.channels.conftest import rasa_channel_server
from tests.channels.test_widget_tiny import (
    GREETING,
    Widget,
    page_server,
    socketio_channel,
    user_texts,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACME = {
    "title": "Acme support",
    "color-primary": "#006b3c",
    "position": "left",
    "greeting": "Welcome to Acme!",
    "text-placeholder": "Ask us anything",
    "text-send": "Go",
    "text-start-over": "New chat",
    "text-connected": "Online",
}
ACME_GREEN = "rgb(0, 107, 60)"
WIDGET = "#cancel-assistant-widget"

# Computed colours of an element in the widget, with the background around it (the first
# non-transparent background of its ancestors, crossing the shadow root; the page's is white).
STYLES_JS = """(el) => {
  const around = (node) => {
    while (node) {
      const c = getComputedStyle(node).backgroundColor;
      if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
      node = node.parentElement || (node.getRootNode() instanceof ShadowRoot ? node.getRootNode().host : null);
    }
    return 'rgb(255, 255, 255)';
  };
  const s = getComputedStyle(el);
  const parent = el.parentElement || el.getRootNode().host;
  return {outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
          borderStyle: s.borderTopStyle, borderColor: s.borderTopColor,
          background: around(el), around: around(parent)};
}"""


async def styles(locator) -> dict:
    return await locator.evaluate(STYLES_JS)


async def test_branding_attributes_are_applied(widget_ready, tiny_agent):
    from playwright.async_api import expect

    async with rasa_channel_server(tiny_agent, [socketio_channel()]) as rasa_url:
        async with page_server(rasa_url) as url, chromium_page(DESKTOP) as page:
            await page.goto(f"{url}?{urlencode(ACME)}")
            snippet = await page.locator("#snippet").inner_text()
            assert 'data-title="Acme support"' in snippet and 'data-color-primary="#006b3c"' in snippet
            launcher = page.get_by_role("button", name="Acme support")
            await expect(launcher).to_be_visible()
            assert (await styles(launcher))["background"] == ACME_GREEN
            box = await launcher.bounding_box()
            assert box["x"] < 100, box  # bottom left corner
            # the launcher is in the widget's font, not the browser's default serif
            assert (await launcher.evaluate("el => getComputedStyle(el).fontFamily")).startswith("system-ui")
            await screenshot(page, "widget-1280-branded-closed")

            widget = Widget(page)
            await widget.open("Acme support")
            await expect(page.locator(f"{WIDGET} h2")).to_have_text("Acme support")
            assert (await styles(page.locator(f"{WIDGET} header")))["background"] == ACME_GREEN
            assert (await styles(page.get_by_role("button", name="Go", exact=True)))[
                "background"
            ] == ACME_GREEN
            await expect(widget.input).to_have_attribute("placeholder", "Ask us anything")
            await expect(page.get_by_role("button", name="New chat")).to_be_visible()
            await expect(widget.status).to_have_text("Online")
            # the company's welcome line, then the assistant's own greeting
            await widget.bot_says(GREETING)
            assert await widget.texts() == ["Welcome to Acme!", GREETING]
            panel = await page.locator(f"{WIDGET} .panel").bounding_box()
            assert panel["x"] < 100 and panel["width"] < 640, panel
            await widget.say("show me options")
            await widget.bot_says("Do you want to continue?")
            user = page.locator(f"{WIDGET} .msg.user").last
            assert (await styles(user))["background"] == ACME_GREEN
            await screenshot(page, "widget-1280-branded-open")


async def test_javascript_api(widget_ready, tiny_agent):
    from playwright.async_api import expect

    async with rasa_channel_server(tiny_agent, [socketio_channel()]) as rasa_url:
        async with page_server(rasa_url) as url, chromium_page(DESKTOP) as page:
            await page.goto(url)
            widget = Widget(page)
            await page.wait_for_function("window.CancelWidget !== undefined")
            assert await page.evaluate("CancelWidget.isOpen()") is False
            await page.evaluate("CancelWidget.open()")
            await expect(widget.input).to_be_focused()
            await widget.connected()
            await widget.bot_says(GREETING)
            assert await page.evaluate("CancelWidget.isOpen()") is True
            assert await page.evaluate("CancelWidget.status()") == "online"

            assert await page.evaluate("CancelWidget.send('show me options')") is True
            assert await page.evaluate("CancelWidget.send('   ')") is False
            await widget.bot_says("Do you want to continue?")
            assert await widget.texts() == [GREETING, "show me options", "Do you want to continue?"]
            first = await widget.session_id()
            assert await user_texts(tiny_agent, first) == ["/greet", "show me options"]

            await page.evaluate("CancelWidget.close()")
            await expect(page.locator(f"{WIDGET} .panel")).to_be_hidden()
            await expect(page.get_by_role("button", name="Cancellation assistant")).to_be_focused()
            # send() opens a closed panel
            await page.evaluate("CancelWidget.send('hello')")
            await expect(widget.input).to_be_visible()
            await widget.bot_says(GREETING, count=2)

            await page.evaluate("CancelWidget.startOver()")
            await widget.bot_says(GREETING)
            await expect(widget.log.locator(".msg")).to_have_count(1)
            second = await widget.session_id()
            assert second not in (None, first)
            assert await user_texts(tiny_agent, second) == ["/greet"]

            # the demo page's buttons drive the same API
            await page.get_by_role("button", name="CancelWidget.close()").click()
            await expect(page.locator(f"{WIDGET} .panel")).to_be_hidden()
            await page.get_by_role("button", name="CancelWidget.open()").click()
            await expect(widget.input).to_be_visible()
            await screenshot(page, "widget-1280-api-open")


# The widest phone layout (480 px) takes the whole screen too.
WIDEST_PHONE = {"width": 480, "height": 800}


@pytest.mark.parametrize(
    "viewport, query",
    [(PHONE, {}), (PHONE, {"position": "left", "title": "Acme support"}), (WIDEST_PHONE, {})],
    ids=["375-default", "375-left", "480-default"],
)
async def test_phone_panel_takes_the_whole_screen(widget_ready, tiny_agent, viewport, query):
    from playwright.async_api import expect

    async with rasa_channel_server(tiny_agent, [socketio_channel()]) as rasa_url:
        async with page_server(rasa_url) as url, chromium_page(viewport) as page:
            await page.goto(f"{url}?{urlencode(query)}")
            launcher = page.get_by_role("button", name=query.get("title", "Cancellation assistant"))
            box = await launcher.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
            widget = Widget(page)
            await widget.open(query.get("title", "Cancellation assistant"))
            await widget.bot_says(GREETING)
            panel = await page.locator(f"{WIDGET} .panel").bounding_box()
            assert panel == {"x": 0, "y": 0, "width": viewport["width"], "height": viewport["height"]}
            send = await page.get_by_role("button", name="Send", exact=True).bounding_box()
            assert send["x"] + send["width"] <= viewport["width"]
            await expect(widget.input).to_be_in_viewport()
            await screenshot(page, f"widget-{viewport['width']}-{'-'.join(query) or 'default'}-open")


def _ring_contrast(found: dict) -> float:
    assert found["outlineStyle"] == "solid" and found["outlineWidth"] != "0px", found
    return contrast(parse_rgb(found["outlineColor"]), parse_rgb(found["around"]))


@pytest.mark.parametrize(
    "brand",
    [{}, {"color-primary": "#ffd400"}, {"color-primary": "#ffd400", "color-focus": "#ffe680"}],
    ids=["default", "light-brand", "light-focus"],
)
async def test_focus_rings_and_input_border_have_3_to_1_contrast(widget_ready, tiny_agent, brand):
    """Measured from computed styles: a light brand colour must not make the rings vanish."""
    from playwright.async_api import expect

    async with rasa_channel_server(tiny_agent, [socketio_channel()]) as rasa_url:
        async with page_server(rasa_url) as url, chromium_page(DESKTOP) as page:
            await page.goto(f"{url}?{urlencode(brand)}")
            await page.wait_for_function("window.CancelWidget !== undefined")
            await page.evaluate("CancelWidget.open()")  # no pointer: focus rings show for focus()
            widget = Widget(page)
            await widget.bot_says(GREETING)
            await widget.say("show me options")
            await widget.bot_says("Do you want to continue?")

            measured = {}
            await widget.input.focus()
            found = await styles(widget.input)
            measured["input ring"] = _ring_contrast(found)
            assert found["borderStyle"] == "solid"
            measured["input border"] = min(
                contrast(parse_rgb(found["borderColor"]), parse_rgb(found["around"])),
                contrast(parse_rgb(found["borderColor"]), parse_rgb(found["background"])),
            )
            for name, locator in {
                "choice": widget.log.get_by_role("button", name="No"),
                "send": page.get_by_role("button", name="Send", exact=True),
                "start over": page.get_by_role("button", name="Start over"),
                "close": page.get_by_role("button", name="Close chat"),
            }.items():
                await locator.focus()
                await expect(locator).to_be_focused()
                measured[name] = _ring_contrast(await styles(locator))
            await page.keyboard.press("Escape")
            launcher = page.get_by_role("button", name="Cancellation assistant")
            await expect(launcher).to_be_focused()
            measured["launcher"] = _ring_contrast(await styles(launcher))
            print(
                f"contrast {brand or 'default'}: " + ", ".join(f"{k} {v:.2f}:1" for k, v in measured.items())
            )
            assert all(ratio >= 3 for ratio in measured.values()), measured
            await page.evaluate("CancelWidget.open()")
            await widget.input.focus()
            await screenshot(
                page, f"widget-1280-focus-{'-'.join(brand.values()).replace('#', '') or 'default'}"
            )
