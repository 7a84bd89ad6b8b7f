"""The demo page's branding from the query string: only the widget's attributes are taken, and
their values are escaped (the page must not become a way to inject markup)."""

import html
import re

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from backend.web.routes import branding_from_query, setup_web_routes


def test_only_branding_attributes_are_taken():
    query = {
        "title": "Acme",
        "color-primary": "#006b3c",
        "text-start-over": "New chat",
        "socket-url": "http://evil",
        "src": "x",
        "onload": "alert(1)",
        "text-": "x",
        "position": " ",
        "greeting-intent": "off",
    }
    assert branding_from_query(query) == {
        "title": "Acme",
        "color-primary": "#006b3c",
        "text-start-over": "New chat",
        "greeting-intent": "off",
    }
    assert len(branding_from_query({"title": "x" * 5000})["title"]) == 300


async def test_branding_values_are_escaped_on_the_page():
    app = web.Application()
    setup_web_routes(app, rasa_url="http://127.0.0.1:5005")
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        answer = await client.get(
            "/", params={"title": '"><script>alert(1)</script>', "greeting": "Hi & welcome"}
        )
        page = await answer.text()
    finally:
        await client.close()
    assert answer.status == 200
    assert "<script>alert(1)" not in page
    assert 'data-title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert 'data-greeting="Hi &amp; welcome"' in page
    assert page.count('data-socket-url="http://127.0.0.1:5005"') == 1  # the live tag; the snippet is escaped


async def _get(path: str, **params: str):
    app = web.Application()
    setup_web_routes(app, rasa_url="http://127.0.0.1:5005")
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        answer = await client.get(path, params=params)
        return answer.status, await answer.text(), f"http://{client.host}:{client.port}"
    finally:
        await client.close()


async def test_the_snippet_shown_is_the_tag_a_company_pastes():
    status, page, origin = await _get("/", title="Acme & Co <support>", position="left")
    assert status == 200
    assert "the <strong>Acme &amp; Co &lt;support&gt;</strong> button" in page
    shown = re.search(r'<code id="snippet">(.*?)</code>', page, re.S)
    assert shown is not None
    # the reader sees (and copies) the tag itself, its own values escaped once
    assert html.unescape(shown.group(1)) == (
        f'<script src="{origin}/static/widget.js" data-socket-url="http://127.0.0.1:5005" '
        f'data-backend-url="{origin}" data-title="Acme &amp; Co &lt;support&gt;" '
        'data-position="left" defer></script>'
    )
    assert page.count("<script src=") == 1  # only the live tag is markup


async def test_the_page_without_branding_names_the_default_title():
    status, page, _ = await _get("/")
    assert status == 200
    assert "the <strong>Cancellation assistant</strong> button" in page
    assert '<script src="/static/widget.js" data-socket-url="http://127.0.0.1:5005"' in page
    assert "{{" not in page and "}}" not in page


async def test_api_reference_page_points_at_the_public_document():
    status, page, _ = await _get("/docs/api")
    assert status == 200
    assert '<div id="api-reference" data-spec-url="/docs/openapi.json"></div>' in page
    assert '<a href="/docs/openapi.json">/docs/openapi.json</a>' in page
