"""The API reference page (/docs/api) in headless Chromium: Swagger UI from our own static files
shows the backend's routes, the console's included, without a token; nothing is fetched from
another host. Screenshots: results/screenshots/api-reference-1280-*.png (SCREENSHOT_DIR overrides)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from backend.server import create_app
from tests.channels.browser import ROOT, chromium_page, require_chromium, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BUILT = [ROOT / "backend" / "web" / "static" / name for name in ("api-reference.js", "api-reference.css")]


@pytest.fixture
async def backend(settings, policy, db):
    require_chromium()
    if not all(path.is_file() for path in BUILT):
        pytest.skip("the API reference is not built: run `make web` (npm ci && npm run build)")
    server = TestServer(create_app(settings, policy=policy, db=db))
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def test_reference_page_shows_every_part_of_the_api(backend):
    from playwright.async_api import expect

    async with chromium_page() as page:
        requests, errors = [], []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response",
            lambda answer: errors.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None,
        )
        await page.goto(f"{backend}/docs/api")
        await expect(page.get_by_role("heading", name="Cancellation assistant backend")).to_be_visible()
        operations = page.locator(".opblock-summary-path")
        for path in (
            "/api/v1/verify/start",
            "/api/v1/cancellations/{confirmation_number}",
            "/console/api/handoffs/{handoff_id}",
            "/console/handoffs/{handoff_id}/take",
            "/docs/api",
        ):
            await expect(operations.filter(has_text=path).first).to_be_visible()
        # Swagger UI lists problems of the document (unresolved $ref, bad schema) in .errors-wrapper
        await expect(page.locator(".errors-wrapper")).to_have_count(0)
        await screenshot(page, "api-reference-1280-top")
        # an operation opens with the shape of its answer
        await page.locator(".opblock-summary-path").filter(has_text="/console/api/staff").first.click()
        opened = page.locator(".opblock.is-open")
        await expect(opened).to_contain_text("Active staff users")
        await expect(opened.locator(".responses-wrapper")).to_contain_text("display_name")
        await expect(opened.locator(".responses-wrapper")).to_contain_text("available")
        await screenshot(page, "api-reference-1280-operation")
        assert all(url.startswith(backend) or url.startswith("data:") for url in requests), requests
        assert not errors, errors
