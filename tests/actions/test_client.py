"""actions/backend_client.py against the real backend: typed errors, no secrets in repr."""

import pytest

from actions.backend_client import (
    Auth,
    BackendClient,
    BackendUnavailable,
    InvalidConfirmationNumber,
    Locked,
    NotAuthorized,
    VerificationFailed,
)

from .conftest import new_sender, verified_slots


async def test_health_and_typed_errors(live_backend):
    c = BackendClient.from_env()
    assert (await c.health())["status"] == "ok"
    sender = new_sender()
    attempt = await c.verify_start("99999999", sender)  # unknown: same shape
    assert set(attempt) >= {"attempt_id", "factors"}
    with pytest.raises(VerificationFailed):
        await c.verify(attempt["attempt_id"], "12345")
    slots = await verified_slots("erin", sender)
    auth = Auth(slots["verification_handle"], sender, "rest")
    with pytest.raises(InvalidConfirmationNumber):
        await c.get_cancellation(auth, "AAAA-AAAA-AAAA")
    with pytest.raises(NotAuthorized):  # handle bound to its conversation
        await c.services(Auth(slots["verification_handle"], "another-conversation"))
    queued = await c.request_handoff(sender, "customer_request", auth=auth)
    assert isinstance(queued.get("on_duty"), bool)


async def test_a_handle_is_only_accepted_from_the_channel_it_was_verified_on(live_backend):
    c = BackendClient.from_env()
    sender = new_sender()
    slots = await verified_slots("erin", sender, "twilio")
    handle = slots["verification_handle"]
    assert await c.services(Auth(handle, sender, "twilio"))
    for channel in ("rest", "socketio", "slack", ""):
        with pytest.raises(NotAuthorized):
            await c.services(Auth(handle, sender, channel))


async def test_bad_token_and_unreachable(live_backend):
    with pytest.raises(NotAuthorized):
        await BackendClient(live_backend["url"], "wrong").verify_start("10000001", "x")
    with pytest.raises(BackendUnavailable):
        await BackendClient("http://127.0.0.1:9", "t", timeout=2).health()


def test_repr_hides_secrets():
    auth = Auth("secret-handle", "conv-1")
    assert "secret-handle" not in repr(auth) and "conv-1" not in repr(auth)
    assert "tok" not in repr(BackendClient("http://x", "tok"))


def test_locked_carries_retry_after():
    from actions.backend_client import _error_for

    err = _error_for(429, {"error": "locked", "retry_after": 600}, None, "verify")
    assert isinstance(err, Locked) and err.retry_after == 600


async def _stand_in_backend(monkeypatch, drop_after: int = 0):
    """A keep-alive HTTP server answering {"status": "ok"} that records each connection and
    each request (method, path); with ``drop_after`` it closes a connection, unanswered, when
    that many requests were served on it. The action server's client is pointed at it."""
    import asyncio

    seen = {"connections": 0, "requests": [], "handlers": []}

    async def handle(reader, writer):
        seen["connections"] += 1
        seen["handlers"].append(asyncio.current_task())
        served_here = 0
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return  # the client closed the connection
            seen["requests"].append(head.split(b" ", 2)[:2])
            if drop_after and served_here == drop_after:
                writer.close()
                return
            served_here += 1
            body = b'{"status": "ok"}'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    monkeypatch.setenv("BACKEND_URL", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    monkeypatch.setenv("BACKEND_SERVICE_TOKEN", "t")
    return server, seen


async def _close(server, seen):
    """Close the client's kept-alive connections, then wait for the server's handlers."""
    import asyncio

    await BackendClient.close_shared()
    await asyncio.wait_for(asyncio.gather(*seen["handlers"]), timeout=5)
    server.close()


async def test_the_action_server_reuses_one_kept_alive_connection(monkeypatch):
    server, seen = await _stand_in_backend(monkeypatch)
    async with server:
        shared = BackendClient.shared()
        assert BackendClient.shared() is shared
        for _ in range(6):
            async with shared as backend:  # how the actions use it: the pool stays open
                assert (await backend.health())["status"] == "ok"
        assert not shared._session.closed
        # Counted where the connections arrive (the client's pool count, used before, read 0
        # or 2 in clean-clone runs): six calls in a row over one kept-alive connection.
        assert len(seen["requests"]) == 6
        assert seen["connections"] == 1
        await _close(server, seen)


async def test_a_read_on_a_connection_the_backend_dropped_is_tried_again(monkeypatch):
    """The backend closes a kept-alive connection as the next request arrives (a restart): the
    action server's shared client sends a GET once more on a new connection; a POST is not
    repeated (it may have been read)."""
    server, seen = await _stand_in_backend(monkeypatch, drop_after=1)
    async with server:
        client = BackendClient.shared()
        assert (await client.health())["status"] == "ok"  # opens the kept-alive connection
        assert (await client.health())["status"] == "ok"  # dropped, then tried again
        assert len(seen["requests"]) == 3
        with pytest.raises(BackendUnavailable):  # a POST is not sent twice
            await client.offer_outcome(Auth("h", "c"), "offer-1", True)
        assert [method for method, _ in seen["requests"]].count(b"POST") == 1
        await _close(server, seen)


async def _slow_server(delay: float):
    """An HTTP server that answers every request after ``delay`` seconds."""
    import asyncio

    from aiohttp import web

    async def slow(request):
        await asyncio.sleep(delay)
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


async def test_a_backend_slower_than_the_timeout_is_unavailable_not_a_crash():
    """Issue 14: on Python 3.10 asyncio.TimeoutError is not the built-in TimeoutError; it escaped
    the client and the customer got silence."""
    runner, url = await _slow_server(5)
    try:
        with pytest.raises(BackendUnavailable):
            await BackendClient(url, "t", timeout=0.5).services(Auth("h", "c", "rest"))
    finally:
        await runner.cleanup()


async def test_rasa_http_api_slower_than_the_timeout_is_a_rasa_error():
    from backend.handoff.rasa import RasaClient, RasaError

    runner, url = await _slow_server(5)
    rasa = RasaClient(url, "token", timeout=0.5)
    try:
        with pytest.raises(RasaError):
            await rasa.tracker("+15550100001")
    finally:
        await rasa.close()
        await runner.cleanup()
