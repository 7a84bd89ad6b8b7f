"""The demo page's branding from the query string: only the widget's attributes are taken, and
their values are escaped (the page must not become a way to inject markup)."""

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
