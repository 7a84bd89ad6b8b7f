"""The staff console over HTTP: login, sessions, CSRF, roles, and the chat actions against a Rasa
stand-in (the real Rasa is in test_stack.py)."""
import re

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.handoff.auth import check_password, hash_password
from bot.handoff.models import Handoff, StaffSession
from bot.hashing import conversation_key
from bot.models import AuditEvent
from tests.handoff.conftest import PASSWORD, RASA_TOKEN, add_staff, queue_handoff
from tests.handoff.test_queue import set_duty

# Every route but the login page and static files: (method, path, refusal for a browser page).
GUARDED = [
    ("GET", "/console", "redirect"),
    ("GET", "/console/", "redirect"),
    ("GET", "/console/queue", "redirect"),
    ("GET", "/console/queue?closed=1", "redirect"),
    ("GET", "/console/handoffs/1", "redirect"),
    ("GET", "/console/api/me", 401),
    ("GET", "/console/api/handoffs", 401),
    ("GET", "/console/api/handoffs?closed=1", 401),
    ("GET", "/console/api/handoffs/1", 401),
    ("GET", "/console/api/staff", 401),
    ("POST", "/console/logout", "redirect"),
    ("POST", "/console/handoffs/1/take", "redirect"),
    ("POST", "/console/handoffs/1/reply", "redirect"),
    ("POST", "/console/handoffs/1/handback", "redirect"),
    ("POST", "/console/handoffs/1/close", "redirect"),
    ("POST", "/console/handoffs/1/assign", "redirect"),
    ("POST", "/console/availability", "redirect"),
    ("POST", "/console/duty", "redirect"),
    ("GET", "/console/outbox", "redirect"),  # message delivery (bot/delivery)
    ("POST", "/console/outbox/1/retry", "redirect"),
    ("GET", "/console/returns", "redirect"),
]


def test_every_console_route_is_in_the_table(server):
    routed = {(r.method, r.resource.canonical) for r in server.app.router.routes()
              if r.resource.canonical.startswith("/console") and r.method != "HEAD"}
    guarded = {(m, re.sub(r"/handoffs/1(/|$)", r"/handoffs/{handoff_id}\1",
                          p.split("?")[0].replace("/outbox/1/", "/outbox/{message_id}/"))) for m, p, _ in GUARDED}
    public = {("GET", "/console/login"), ("POST", "/console/login"), ("GET", "/console/static/{name}")}
    assert routed == guarded | public


@pytest.mark.parametrize("method, path, refusal", GUARDED)
@pytest.mark.parametrize("cookie", [None, "forged-session-id", "x" * 500])
async def test_refused_without_a_valid_session(console_factory, method, path, refusal, cookie):
    c = console_factory()
    if cookie:
        c.http.cookie_jar.update_cookies({"console_session": cookie})
    kw = {"data": {"csrf_token": "t", "text": "hi"}} if method == "POST" else {}
    status, body, answer = await (c.post(path, **kw) if method == "POST" else c.get(path))
    if refusal == "redirect":
        assert status == 303 and answer.headers["Location"] == "/console/login"
    else:
        assert status == 401 and body["error"] == "unauthorized"
    # the JSON flavour of every route answers 401 JSON
    status, body, _ = await (c.post(path, json={"text": "hi"}) if method == "POST"
                             else c.get(path, headers={"Accept": "application/json"}))
    assert status == 401 and body["error"] == "unauthorized"


def test_password_hashing():
    stored = hash_password("s3cret-password")
    algo, n, r, p, salt, digest = stored.split("$")
    assert algo == "scrypt" and len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert check_password("s3cret-password", stored)
    assert not check_password("s3cret-passwore", stored)
    assert hash_password("s3cret-password") != stored  # per-user salt
    assert not check_password("x", None) and not check_password("x", "garbage")


async def test_login_success_sets_a_strict_httponly_cookie(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    answer = await c.login(user["username"].upper())  # usernames are case-insensitive
    assert answer.status == 200 and answer.body["staff"]["role"] == "agent"
    cookie = answer.cookies["console_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/console"
    assert not cookie["secure"] and int(cookie["max-age"]) == 28800
    status, me, _ = await c.get("/console/api/me")
    assert status == 200 and me["username"] == user["username"] and me["csrf_token"] == c.csrf
    # only a hash of the session id is stored
    ids = db.transaction(lambda s: [r.id_hash for r in s.execute(select(StaffSession)).scalars()])
    assert cookie.value not in ids and all(len(i) == 64 for i in ids)
    audit = db.transaction(lambda s: s.execute(select(AuditEvent).where(AuditEvent.action == "staff_login")
                                               .order_by(AuditEvent.id.desc())).scalars().first())
    assert audit.details["staff"] == user["username"]


async def test_secure_cookie_behind_https(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    token = await c.login_csrf()
    async with c.http.post(c.base + "/console/login", headers={"X-Forwarded-Proto": "https"},
                           json={"username": user["username"], "password": PASSWORD, "csrf_token": token}) as answer:
        assert answer.status == 200 and answer.cookies["console_session"]["secure"]


async def test_login_failures_look_alike_and_throttle_that_client_only(db, console_factory):
    user = add_staff(db, "supervisor")
    c = console_factory()
    wrong = await c.login(user["username"], "wrong-password!")
    unknown = await c.login("nobody-here", PASSWORD)
    assert wrong.status == unknown.status == 401 and wrong.body == unknown.body
    for _ in range(Settings().console_login_failures_per_client - 1):
        await c.login(user["username"], "wrong-password!")
    locked = await c.login(user["username"])  # right password, but this client is throttled now
    assert locked.status == 401 and locked.body == wrong.body
    # the real staff member on another client still signs in: the attacker cannot lock them out
    elsewhere = console_factory("127.0.0.2")
    assert (await elsewhere.login(user["username"])).status == 200
    assert (await c.login(user["username"])).status == 401  # still throttled where the guesses came from
    # HTML form: the page again with the message, no session
    token = await c.login_csrf()
    status, page, _ = await c.post("/console/login", data={"username": user["username"], "password": "x",
                                                          "csrf_token": token}, csrf=False)
    assert status == 401 and "Wrong username or password" in page and "console_session" not in c.http.cookie_jar.filter_cookies(c.base)


async def test_login_needs_the_login_form_token(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    await c.login_csrf()
    status, body, _ = await c.post("/console/login", json={"username": user["username"], "password": PASSWORD,
                                                          "csrf_token": "forged"}, csrf=False)
    assert status == 403 and body["error"] == "csrf"
    fresh = console_factory()  # no login cookie at all
    status, _, _ = await fresh.post("/console/login", data={"username": user["username"], "password": PASSWORD,
                                                           "csrf_token": "t"}, csrf=False)
    assert status == 403


async def test_html_login_redirects_to_the_queue(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    token = await c.login_csrf()
    status, _, answer = await c.post("/console/login", data={"username": user["username"], "password": PASSWORD,
                                                            "csrf_token": token}, csrf=False)
    assert status == 303 and answer.headers["Location"] == "/console/queue"
    status, page, answer = await c.get("/console/queue")
    assert status == 200 and "Queue" in page and answer.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path, body", [
    ("/console/availability", {"available": True}),
    ("/console/duty", {"mode": "auto"}),
    ("/console/handoffs/1/take", {}),
    ("/console/logout", {}),
])
async def test_posts_need_the_csrf_token(supervisor, path, body):
    for token in (False, "wrong-token"):
        status, answer, _ = await supervisor.post(path, json=body, csrf=token)
        assert status == 403 and answer["error"] == "csrf"
    status, _, _ = await supervisor.post(path, data={**{k: str(v) for k, v in body.items()}, "csrf_token": "bad"},
                                         csrf=False)
    assert status == 403
    status, _, _ = await supervisor.get("/console/api/me")
    assert status == 200  # still signed in


async def test_session_expiry_and_logout(db, agent):
    assert (await agent.get("/console/api/me"))[0] == 200
    db.transaction(lambda s: s.execute(update(StaffSession).values(expires_at=StaffSession.created_at)))
    status, body, _ = await agent.get("/console/api/me")
    assert status == 401
    status, _, answer = await agent.get("/console/queue")
    assert status == 303 and answer.headers["Location"] == "/console/login"
    # logging in again works; logging out ends the session
    assert (await agent.login(agent.user["username"])).status == 200
    status, body, _ = await agent.post("/console/logout", json={})
    assert status == 200 and body["signed_out"]
    assert (await agent.get("/console/api/me"))[0] == 401


async def test_roles(api, db, agent, supervisor, console_factory):
    set_duty(db, "on")
    h = (await queue_handoff(api))["handoff"]
    hid = h["id"]
    # agents: no closed list, no reassign, no close, no duty override; no reply before taking
    assert (await agent.get("/console/api/handoffs?closed=1"))[0] == 403
    assert (await agent.post(f"/console/handoffs/{hid}/assign", json={"staff": agent.user["username"]}))[0] == 403
    assert (await agent.post(f"/console/handoffs/{hid}/close", json={}))[0] == 403
    assert (await agent.post("/console/duty", json={"mode": "on"}))[0] == 403
    assert (await agent.post(f"/console/handoffs/{hid}/reply", json={"text": "hi"}))[0] == 403
    assert (await agent.post(f"/console/handoffs/{hid}/handback", json={}))[0] == 403
    # the agent takes it; another agent cannot take it too
    status, body, _ = await agent.post(f"/console/handoffs/{hid}/take", json={})
    assert status == 200 and body["handoff"]["assigned_to_me"]
    other_user = add_staff(db, "agent")
    other = console_factory()
    await other.login(other_user["username"])
    status, body, _ = await other.post(f"/console/handoffs/{hid}/take", json={})
    assert status == 409 and body["error"] == "already_assigned"
    # the supervisor reassigns it to the other agent, who may now answer
    status, body, _ = await supervisor.post(f"/console/handoffs/{hid}/assign", json={"staff": other_user["username"]})
    assert status == 200 and body["handoff"]["assigned_to"] == other_user["username"].title()
    assert (await agent.post(f"/console/handoffs/{hid}/reply", json={"text": "hi"}))[0] == 403
    assert (await other.post(f"/console/handoffs/{hid}/reply", json={"text": "hi"}))[0] == 200
    # the supervisor closes it; agents no longer see it, the supervisor does
    status, body, _ = await supervisor.post(f"/console/handoffs/{hid}/close", json={})
    assert status == 200 and body["handoff"]["status"] == "closed" and body["handoff"]["outcome"] == "closed"
    assert (await agent.get(f"/console/api/handoffs/{hid}"))[0] == 404
    assert hid not in [x["id"] for x in (await agent.get("/console/api/handoffs"))[1]["handoffs"]]
    closed = (await supervisor.get("/console/api/handoffs?closed=1"))[1]["handoffs"]
    assert hid in [x["id"] for x in closed]
    assert (await supervisor.post(f"/console/handoffs/{hid}/reply", json={"text": "late"}))[0] == 409
    actions = db.transaction(lambda s: [(e.action, e.details.get("staff")) for e in s.execute(
        select(AuditEvent).where(AuditEvent.conversation_key == conversation_key(h["conversation_id"])).order_by(AuditEvent.id)).scalars()])
    assert [a for a, _ in actions] == ["handoff_requested", "handoff_taken", "handoff_paused", "handoff_assigned",
                                       "handoff_reply", "handoff_closed"]


async def test_take_reply_and_hand_back_reach_rasa(api, db, agent, rasa):
    set_duty(db, "on")
    h = (await queue_handoff(api, channel="socketio"))["handoff"]
    cid, hid = h["conversation_id"], h["id"]
    rasa.say(cid, "user", "I want a person <script>alert(1)</script>")
    rasa.say(cid, "bot", "I've asked a member of our team to join this chat.")
    rasa.tracker(cid)["events"].append({"event": "pause"})
    rasa.tracker(cid)["paused"] = True
    rasa.say(cid, "user", "hello? anyone?")

    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    assert status == 200 and "hello? anyone?" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    status, body, _ = await agent.post(f"/console/handoffs/{hid}/take", json={})
    assert status == 200
    take = rasa.appends[-1]
    assert take["query"] == {"output_channel": "latest", "execute_side_effects": "true", "token": RASA_TOKEN,
                             "include_events": "NONE"}
    assert [e["event"] for e in take["events"]] == ["bot"]  # already paused by the assistant
    assert "has joined the chat" in take["events"][0]["text"]

    status, body, _ = await agent.post(f"/console/handoffs/{hid}/reply", json={"text": "  Hi, I'm here to help.  "})
    assert status == 200 and body == {"sent": True}
    reply = rasa.appends[-1]
    assert reply["events"] == [{"event": "bot", "text": "Hi, I'm here to help.",
                                "metadata": {"agent": agent.user["username"].title()}}]
    assert reply["query"]["output_channel"] == "latest" and reply["query"]["execute_side_effects"] == "true"
    for bad in ("", "   ", "x" * 2001, 5):
        assert (await agent.post(f"/console/handoffs/{hid}/reply", json={"text": bad}))[0] == 422

    status, detail, _ = await agent.get(f"/console/api/handoffs/{hid}")
    whos = [(line["who"], line["text"]) for line in detail["transcript"]]
    assert ("customer", "hello? anyone?") in whos and ("agent", "Hi, I'm here to help.") in whos
    assert ("assistant", "I've asked a member of our team to join this chat.") in whos
    assert detail["handoff"]["status"] == "assigned" and detail["account"] is None

    status, body, _ = await agent.post(f"/console/handoffs/{hid}/handback", json={})
    assert status == 200 and body["handoff"]["outcome"] == "handed_back"
    back = rasa.appends[-1]["events"]
    assert [e["event"] for e in back] == ["resume", "bot", "action"] and back[2]["name"] == "action_listen"
    assert "back with the assistant" in back[1]["text"] and rasa.tracker(cid)["paused"] is False
    row = db.transaction(lambda s: s.get(Handoff, hid))
    assert row.status == "closed" and row.outcome == "handed_back" and row.paused is False


async def test_take_pauses_a_chat_queued_while_off_duty(api, db, agent, rasa):
    set_duty(db, "off")
    h = (await queue_handoff(api))["handoff"]
    set_duty(db, "on")
    assert (await agent.post(f"/console/handoffs/{h['id']}/take", json={}))[0] == 200
    assert [e["event"] for e in rasa.appends[-1]["events"]] == ["pause", "bot"]
    assert db.transaction(lambda s: s.get(Handoff, h["id"])).paused is True


async def test_form_posts_redirect_back(api, db, agent, rasa):
    set_duty(db, "on")
    hid = (await queue_handoff(api))["handoff"]["id"]
    status, _, answer = await agent.post(f"/console/handoffs/{hid}/take", data={"csrf_token": agent.csrf}, csrf=False)
    assert status == 303 and answer.headers["Location"] == f"/console/handoffs/{hid}"
    status, _, answer = await agent.post(f"/console/handoffs/{hid}/reply", data={"csrf_token": agent.csrf, "text": "Hi"},
                                         csrf=False)
    assert status == 303 and rasa.appends[-1]["events"][0]["text"] == "Hi"
    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    assert 'name="csrf_token"' in page and agent.csrf in page and "Hand back to the assistant" in page


async def test_rasa_unreachable_is_a_502_not_a_500(api, db, agent, rasa):
    set_duty(db, "on")
    hid = (await queue_handoff(api))["handoff"]["id"]
    rasa.down = True
    status, body, _ = await agent.post(f"/console/handoffs/{hid}/take", json={})
    assert status == 502 and body["error"] == "rasa_unavailable"
    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    assert status == 200 and "cannot be loaded" in page
    status, body, _ = await agent.get(f"/console/api/handoffs/{hid}")
    assert status == 200 and body["transcript"] is None
    assert (await agent.post(f"/console/handoffs/{hid}/reply", json={"text": "hi"}))[0] == 502
    assert (await agent.post(f"/console/handoffs/{hid}/handback", json={}))[0] == 502
    assert db.transaction(lambda s: s.get(Handoff, hid)).status == "assigned"  # still open: nothing was lost
    rasa.down = False


@pytest.mark.parametrize("path", ["/console/handoffs/999999", "/console/handoffs/abc", "/console/handoffs/1e5",
                                  "/console/api/handoffs/999999", "/console/api/handoffs/-1"])
async def test_unknown_handoffs_are_404(agent, path):
    status, _, _ = await agent.get(path, headers={"Accept": "application/json"})
    assert status == 404


async def test_bad_bodies_are_4xx(agent, supervisor):
    assert (await agent.post("/console/availability", data=b"{not json", headers={"Content-Type": "application/json"}))[0] == 400
    assert (await agent.post("/console/availability", json={"available": "maybe"}))[0] == 422
    assert (await supervisor.post("/console/duty", json={"mode": "always"}))[0] == 422
    assert (await supervisor.post("/console/handoffs/1/assign", json={}))[0] == 422


async def test_duty_override_and_availability(db, supervisor, agent):
    status, body, _ = await supervisor.post("/console/duty", json={"mode": "off"})
    assert status == 200 and body["duty"]["on_duty"] is False and body["duty"]["mode"] == "off"
    status, body, _ = await agent.get("/console/api/handoffs")
    assert body["duty"]["mode"] == "off"
    status, body, _ = await agent.post("/console/availability", json={"available": True})
    assert status == 200 and body == {"available": True}
    people = (await agent.get("/console/api/staff"))[1]["staff"]
    assert {"username": agent.user["username"], "available": True}.items() <= next(
        p for p in people if p["username"] == agent.user["username"]).items()
    await supervisor.post("/console/duty", json={"mode": "auto"})


async def test_static_files_and_login_page_are_public(console_factory):
    c = console_factory()
    for path in ("/console/static/console.js", "/console/static/console.css", "/console/login"):
        status, _, _ = await c.get(path)
        assert status == 200
    assert (await c.get("/console/static/../routes.py"))[0] == 404
    assert (await c.get("/console/static/other.js"))[0] == 404


async def test_a_queued_chat_is_taken_before_anyone_replies(api, db, supervisor, rasa):
    set_duty(db, "on")
    hid = (await queue_handoff(api))["handoff"]["id"]
    status, body, _ = await supervisor.post(f"/console/handoffs/{hid}/reply", json={"text": "hi"})
    assert status == 409 and body["error"] == "not_taken" and rasa.appends == []
    status, page, _ = await supervisor.get(f"/console/handoffs/{hid}")
    assert "Take this chat" in page
    await supervisor.post(f"/console/handoffs/{hid}/take", json={})
    status, page, _ = await supervisor.get(f"/console/handoffs/{hid}")
    assert "Take this chat" not in page and "Reply to the customer" in page


async def test_slow_rasa_is_a_clear_gateway_error_not_a_500(api, db, agent, rasa, server):
    """Rasa slower than the client's timeout: JSON 502/503/504 naming Rasa, never a 500."""
    from bot.handoff.keys import RASA
    from bot.handoff.rasa import RasaClient

    app = server.app
    original = app[RASA]
    app[RASA] = RasaClient(rasa.url, RASA_TOKEN, timeout=0.3)
    set_duty(db, "on")
    hid = (await queue_handoff(api))["handoff"]["id"]
    rasa.slow = 2.0
    try:
        status, body, _ = await agent.post(f"/console/handoffs/{hid}/take", json={})
        assert status in (502, 503, 504) and body["error"] in ("rasa_timeout", "rasa_unavailable"), (status, body)
        status, body, _ = await agent.get(f"/console/api/handoffs/{hid}")
        assert status == 200 and body["transcript"] is None
    finally:
        rasa.slow = 0.0
        await app[RASA].close()
        app[RASA] = original


async def test_hostile_bodies_are_4xx(db, agent, console_factory):
    deep = b"[" * 32_000 + b"]" * 32_000
    for raw in (deep, b'{"available": "\\ud800"}', b'{"x": ' + deep + b"}", b"[]", b"42"):
        status, body, _ = await agent.post("/console/availability", data=raw,
                                           headers={"Content-Type": "application/json"})
        assert status == 400 and body["error"] == "invalid_json", (raw[:20], status, body)
    c = console_factory()
    token = await c.login_csrf()
    for raw in (deep, b'{"username": "\\ud800", "password": "x", "csrf_token": "%s"}' % token.encode()):
        status, body, _ = await c.post("/console/login", data=raw, headers={"Content-Type": "application/json"},
                                       csrf=False)
        assert status == 400 and body["error"] == "invalid_json", (status, body)
    status, _, _ = await c.post("/console/login", data=b"username=%ED%A0%80&password=x&csrf_token=" + token.encode(),
                                headers={"Content-Type": "application/x-www-form-urlencoded"}, csrf=False)
    assert 400 <= status < 500  # undecodable form bytes: a failed login, never a 500
    c.http.cookie_jar.update_cookies({"console_session": "\udcff".encode("utf-8", "surrogateescape").decode("latin-1")})
    status, body, _ = await c.get("/console/api/me")
    assert status == 401


def test_client_address_behind_a_trusted_proxy():
    from aiohttp.test_utils import make_mocked_request

    from bot.console.routes import client_address

    def request(peer, forwarded=None):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        req = make_mocked_request("POST", "/console/login", headers=headers)
        req._transport_peername = (peer, 1234)
        return req

    assert client_address(request("10.0.0.5", "1.2.3.4"), ()) == "10.0.0.5"  # untrusted peer: header ignored
    assert client_address(request("10.0.0.5", "1.2.3.4"), ("10.0.0.5",)) == "1.2.3.4"
    assert client_address(request("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9"), ("10.0.0.5", "10.0.0.9")) == "1.2.3.4"
    assert client_address(request("10.0.0.5"), ("10.0.0.5",)) == "10.0.0.5"
