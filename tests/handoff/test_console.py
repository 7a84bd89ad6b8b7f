"""The staff console over HTTP: login, sessions, CSRF, roles, and the chat actions against a Rasa
stand-in (the real Rasa is in test_stack.py)."""

import re

import pytest
from sqlalchemy import select, update

from backend.config import Settings
from backend.handoff.auth import check_password, hash_password
from backend.handoff.models import Handoff, StaffSession
from backend.hashing import conversation_key
from backend.models import AuditEvent
from tests.backend.conftest import make_account
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
    ("GET", "/console/api/events", 401),
    ("POST", "/console/handoffs/1/notes", "redirect"),
    ("POST", "/console/handoffs/1/revoke", "redirect"),
    ("POST", "/console/handoffs/1/payment-plan", "redirect"),
    ("GET", "/console/canned", "redirect"),
    ("GET", "/console/api/canned", 401),
    ("POST", "/console/canned", "redirect"),
    ("POST", "/console/logout", "redirect"),
    ("POST", "/console/handoffs/1/take", "redirect"),
    ("POST", "/console/handoffs/1/reply", "redirect"),
    ("POST", "/console/handoffs/1/handback", "redirect"),
    ("POST", "/console/handoffs/1/close", "redirect"),
    ("POST", "/console/handoffs/1/assign", "redirect"),
    ("POST", "/console/availability", "redirect"),
    ("POST", "/console/duty", "redirect"),
    ("GET", "/console/reports", "redirect"),
    ("GET", "/console/stats", "redirect"),
    ("GET", "/console/reports/export/funnel.csv", "redirect"),
    ("GET", "/console/reports/conversations?table=funnel&row=started", "redirect"),
    ("GET", "/console/reports/conversations/" + "0" * 64, "redirect"),
    ("GET", "/console/outbox", "redirect"),  # message delivery (backend/delivery)
    ("POST", "/console/outbox/1/retry", "redirect"),
    ("GET", "/console/returns", "redirect"),
    ("POST", "/console/returns/RMA-TEST2345/received", "redirect"),
]


def test_every_console_route_is_in_the_table(server):
    routed = {
        (r.method, r.resource.canonical)
        for r in server.app.router.routes()
        if r.resource.canonical.startswith("/console") and r.method != "HEAD"
    }
    examples = {
        "/export/funnel.csv": "/export/{table}.csv",
        "/transcript/0123abcd": "/transcript/{ref}",
        "/returns/RMA-TEST2345/": "/returns/{rma}/",
        "/conversations/" + "0" * 64: "/conversations/{key}",
    }
    guarded = {
        (
            m,
            re.sub(
                r"/handoffs/1(/|$)",
                r"/handoffs/{handoff_id}\1",
                p.split("?")[0].replace("/outbox/1/", "/outbox/{message_id}/"),
            ),
        )
        for m, p, _ in GUARDED
    }
    guarded = {(m, next((p.replace(k, v) for k, v in examples.items() if k in p), p)) for m, p in guarded}
    public = {
        ("GET", "/console/login"),
        ("POST", "/console/login"),
        ("GET", "/console/static/{name}"),
        ("GET", "/console/reports/static/{name}"),
    }
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
    status, body, _ = await (
        c.post(path, json={"text": "hi"})
        if method == "POST"
        else c.get(path, headers={"Accept": "application/json"})
    )
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
    audit = db.transaction(
        lambda s: (
            s.execute(
                select(AuditEvent).where(AuditEvent.action == "staff_login").order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
    )
    assert audit.details["staff"] == user["username"]


async def test_secure_cookie_behind_https(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    token = await c.login_csrf()
    async with c.http.post(
        c.base + "/console/login",
        headers={"X-Forwarded-Proto": "https"},
        json={"username": user["username"], "password": PASSWORD, "csrf_token": token},
    ) as answer:
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
    status, page, _ = await c.post(
        "/console/login",
        data={"username": user["username"], "password": "x", "csrf_token": token},
        csrf=False,
    )
    assert (
        status == 401
        and "Wrong username or password" in page
        and "console_session" not in c.http.cookie_jar.filter_cookies(c.base)
    )


async def test_one_client_guessing_over_many_usernames_is_throttled_as_a_whole(db, console_factory):
    """Issue 14: console sign-in had no per-client limit. One client spreading wrong passwords
    over many usernames (one guess each, below the per-username limit) is throttled as a whole:
    its next sign-in fails even with a right password; a staff member elsewhere still signs in."""
    user = add_staff(db, "supervisor")
    sprayer = console_factory("127.0.0.3")
    for i in range(Settings().console_login_failures_per_ip):
        assert (await sprayer.login(f"guess-{i}", "wrong-password!")).status == 401
    assert (await sprayer.login(user["username"])).status == 401
    assert (await console_factory("127.0.0.4").login(user["username"])).status == 200


async def test_login_needs_the_login_form_token(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    await c.login_csrf()
    status, body, _ = await c.post(
        "/console/login",
        json={"username": user["username"], "password": PASSWORD, "csrf_token": "forged"},
        csrf=False,
    )
    assert status == 403 and body["error"] == "csrf"
    fresh = console_factory()  # no login cookie at all
    status, _, _ = await fresh.post(
        "/console/login",
        data={"username": user["username"], "password": PASSWORD, "csrf_token": "t"},
        csrf=False,
    )
    assert status == 403


async def test_html_login_redirects_to_the_queue(db, console_factory):
    user = add_staff(db, "agent")
    c = console_factory()
    token = await c.login_csrf()
    status, _, answer = await c.post(
        "/console/login",
        data={"username": user["username"], "password": PASSWORD, "csrf_token": token},
        csrf=False,
    )
    assert status == 303 and answer.headers["Location"] == "/console/queue"
    status, page, answer = await c.get("/console/queue")
    assert status == 200 and "Queue" in page and answer.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/console/availability", {"available": True}),
        ("/console/duty", {"mode": "auto"}),
        ("/console/handoffs/1/take", {}),
        ("/console/logout", {}),
    ],
)
async def test_posts_need_the_csrf_token(supervisor, path, body):
    for token in (False, "wrong-token"):
        status, answer, _ = await supervisor.post(path, json=body, csrf=token)
        assert status == 403 and answer["error"] == "csrf"
    status, _, _ = await supervisor.post(
        path, data={**{k: str(v) for k, v in body.items()}, "csrf_token": "bad"}, csrf=False
    )
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


async def test_roles(api, db, agent, supervisor, console_factory, rasa):
    set_duty(db, "on")
    h = (await queue_handoff(api))["handoff"]
    hid = h["id"]
    # agents: no reassign, no close, no duty override; no reply before taking
    assert (await agent.post(f"/console/handoffs/{hid}/assign", json={"staff": agent.user["username"]}))[
        0
    ] == 403
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
    status, body, _ = await supervisor.post(
        f"/console/handoffs/{hid}/assign", json={"staff": other_user["username"]}
    )
    assert status == 200 and body["handoff"]["assigned_to"] == other_user["username"].title()
    told = rasa.appends[-1]["events"][-1]
    assert told["data"]["custom"]["data"]["text"] == (
        f"{other_user['username'].title()} from our support team is taking over this chat and "
        "will answer you here."
    )
    assert (await agent.post(f"/console/handoffs/{hid}/reply", json={"text": "hi"}))[0] == 403
    assert (await other.post(f"/console/handoffs/{hid}/reply", json={"text": "hi"}))[0] == 200
    # the supervisor closes it; it leaves the queue and stays readable in everyone's history
    status, body, _ = await supervisor.post(f"/console/handoffs/{hid}/close", json={})
    assert status == 200 and body["handoff"]["status"] == "closed" and body["handoff"]["outcome"] == "closed"
    assert hid not in [x["id"] for x in (await agent.get("/console/api/handoffs"))[1]["handoffs"]]
    status, body, _ = await agent.get(f"/console/api/handoffs/{hid}")
    assert status == 200 and body["handoff"]["outcome_text"] == "Closed by a supervisor"
    for reader in (agent, supervisor):
        closed = (await reader.get("/console/api/handoffs?closed=1"))[1]["handoffs"]
        assert hid in [x["id"] for x in closed]
    assert (await agent.post(f"/console/handoffs/{hid}/handback", json={}))[0] == 409
    assert (await supervisor.post(f"/console/handoffs/{hid}/reply", json={"text": "late"}))[0] == 409
    actions = db.transaction(
        lambda s: [
            (e.action, e.details.get("staff"))
            for e in s.execute(
                select(AuditEvent)
                .where(AuditEvent.conversation_key == conversation_key(h["conversation_id"]))
                .order_by(AuditEvent.id)
            ).scalars()
        ]
    )
    assert [a for a, _ in actions] == [
        "handoff_requested",
        "handoff_taken",
        "handoff_paused",
        "handoff_assigned",
        "handoff_paused",
        "handoff_reply",
        "handoff_closed",
    ]


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
    assert take["query"] == {
        "output_channel": "latest",
        "execute_side_effects": "true",
        "token": RASA_TOKEN,
        "include_events": "NONE",
    }
    assert [e["event"] for e in take["events"]] == ["bot"]  # already paused by the assistant
    joined = take["events"][0]["data"]["custom"]["data"]  # the widget's agent message (socketio)
    assert joined["from"] == "agent" and "has joined the chat" in joined["text"]

    status, body, _ = await agent.post(
        f"/console/handoffs/{hid}/reply", json={"text": "  Hi, I'm here to help.  "}
    )
    assert status == 200 and body == {"sent": True}
    reply = rasa.appends[-1]
    name = agent.user["username"].title()
    assert reply["events"] == [
        {
            "event": "bot",
            "metadata": {"agent": name},
            "data": {"custom": {"data": {"from": "agent", "name": name, "text": "Hi, I'm here to help."}}},
        }
    ]
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
    assert "back with the assistant" in back[1]["data"]["custom"]["data"]["text"]
    assert back[1]["data"]["custom"]["data"]["handoff"] == "ended" and rasa.tracker(cid)["paused"] is False
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
    status, _, answer = await agent.post(
        f"/console/handoffs/{hid}/take", data={"csrf_token": agent.csrf}, csrf=False
    )
    assert status == 303 and answer.headers["Location"] == f"/console/handoffs/{hid}"
    status, _, answer = await agent.post(
        f"/console/handoffs/{hid}/reply", data={"csrf_token": agent.csrf, "text": "Hi"}, csrf=False
    )
    assert status == 303 and rasa.appends[-1]["events"][0]["data"]["custom"]["data"]["text"] == "Hi"
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


@pytest.mark.parametrize(
    "path",
    [
        "/console/handoffs/999999",
        "/console/handoffs/abc",
        "/console/handoffs/1e5",
        "/console/api/handoffs/999999",
        "/console/api/handoffs/-1",
    ],
)
async def test_unknown_handoffs_are_404(agent, path):
    status, _, _ = await agent.get(path, headers={"Accept": "application/json"})
    assert status == 404


async def test_bad_bodies_are_4xx(agent, supervisor):
    assert (
        await agent.post(
            "/console/availability", data=b"{not json", headers={"Content-Type": "application/json"}
        )
    )[0] == 400
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
        p for p in people if p["username"] == agent.user["username"]
    ).items()
    await supervisor.post("/console/duty", json={"mode": "auto"})
    audit = db.transaction(
        lambda s: [
            (e.action, e.details)
            for e in s.execute(
                select(AuditEvent)
                .where(AuditEvent.action.in_(("staff_duty_override", "staff_availability")))
                .order_by(AuditEvent.id)
            ).scalars()
        ]
    )
    supervisor_name, agent_name = supervisor.user["username"], agent.user["username"]
    assert audit[-3:] == [
        ("staff_duty_override", {"staff": supervisor_name, "mode": "off"}),
        ("staff_availability", {"staff": agent_name, "available": True}),
        ("staff_duty_override", {"staff": supervisor_name, "mode": "auto"}),
    ]


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
    from backend.handoff.keys import RASA
    from backend.handoff.rasa import RasaClient

    app = server.app
    original = app[RASA]
    app[RASA] = RasaClient(rasa.url, RASA_TOKEN, timeout=0.3)
    set_duty(db, "on")
    hid = (await queue_handoff(api))["handoff"]["id"]
    rasa.slow = 2.0
    try:
        status, body, _ = await agent.post(f"/console/handoffs/{hid}/take", json={})
        assert status in (502, 503, 504) and body["error"] in ("rasa_timeout", "rasa_unavailable"), (
            status,
            body,
        )
        status, body, _ = await agent.get(f"/console/api/handoffs/{hid}")
        assert status == 200 and body["transcript"] is None
    finally:
        rasa.slow = 0.0
        await app[RASA].close()
        app[RASA] = original


async def test_hostile_bodies_are_4xx(db, agent, console_factory):
    deep = b"[" * 32_000 + b"]" * 32_000
    for raw in (deep, b'{"available": "\\ud800"}', b'{"x": ' + deep + b"}", b"[]", b"42"):
        status, body, _ = await agent.post(
            "/console/availability", data=raw, headers={"Content-Type": "application/json"}
        )
        assert status == 400 and body["error"] == "invalid_json", (raw[:20], status, body)
    c = console_factory()
    token = await c.login_csrf()
    for raw in (deep, b'{"username": "\\ud800", "password": "x", "csrf_token": "%s"}' % token.encode()):
        status, body, _ = await c.post(
            "/console/login", data=raw, headers={"Content-Type": "application/json"}, csrf=False
        )
        assert status == 400 and body["error"] == "invalid_json", (status, body)
    status, _, _ = await c.post(
        "/console/login",
        data=b"username=%ED%A0%80&password=x&csrf_token=" + token.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        csrf=False,
    )
    assert 400 <= status < 500  # undecodable form bytes: a failed login, never a 500
    c.http.cookie_jar.update_cookies(
        {"console_session": "\udcff".encode("utf-8", "surrogateescape").decode("latin-1")}
    )
    status, body, _ = await c.get("/console/api/me")
    assert status == 401


def test_client_address_behind_a_trusted_proxy():
    from aiohttp.test_utils import make_mocked_request

    from backend.console.routes import client_address

    def request(peer, forwarded=None):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        req = make_mocked_request("POST", "/console/login", headers=headers)
        req._transport_peername = (peer, 1234)
        return req

    assert client_address(request("10.0.0.5", "1.2.3.4"), ()) == "10.0.0.5"  # untrusted peer: header ignored
    assert client_address(request("10.0.0.5", "1.2.3.4"), ("10.0.0.5",)) == "1.2.3.4"
    assert (
        client_address(request("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9"), ("10.0.0.5", "10.0.0.9"))
        == "1.2.3.4"
    )
    assert client_address(request("10.0.0.5"), ("10.0.0.5",)) == "10.0.0.5"


async def test_customer_panel_shows_the_cancellations_state_and_the_transcript_its_events(
    api, db, agent, rasa
):
    """A verified customer who was offered a discount, declined it and filed: the agent sees it all
    at a glance, in words, with the contact masked, and the filing as an event in the transcript."""
    import secrets as _secrets

    set_duty(db, "on")
    account = make_account(db, tier="Essentials", receivables="1250.00", equipment=1)
    service_id = account["services"][0]
    cid = "conv-panel-" + _secrets.token_hex(3)
    who = await api.verify(account, cid)
    status, offer = await api.call(
        "POST", f"/api/v1/services/{service_id}/offer", who, json={"reason": "price"}
    )
    assert status == 200 and offer["offer"] is not None, offer
    assert (
        await api.call(
            "POST", f"/api/v1/offers/{offer['offer']['id']}/outcome", who, json={"accepted": False}
        )
    )[0] == 200
    status, filed = await api.call(
        "POST",
        "/api/v1/cancellations",
        who,
        headers={"Idempotency-Key": cid},
        json={
            "service_id": service_id,
            "when": "end_of_period",
            "reason": "price",
            "backup_confirmed": True,
            "terms_accepted": True,
            "channel": "socketio",
        },
    )
    assert status in (200, 201), filed
    hid = (await queue_handoff(api, cid, who=who))["handoff"]["id"]
    rasa.say(cid, "bot", "Anything else?", timestamp=1e10)  # after the filing: the event comes first

    status, body, _ = await agent.get(f"/console/api/handoffs/{hid}")
    panel = body["account"]
    assert panel["balance_text"] == "$1,250.00" and panel["reason_text"] == "Price"
    assert panel["contact"].startswith("Tess ") and "•••@test.example" in panel["contact"]
    assert account["email"] not in panel["contact"] and account["phone"][-4:] in panel["contact"]
    assert [s["status_text"] for s in panel["services"]] == ["Cancellation pending"]
    request = panel["open_cancellations"][0]
    assert (
        request["confirmation_number"] == filed["confirmation_number"]
        and request["service_name"] == "Service 0"
    )
    assert request["when_text"] == "at the end of the billing period" and "," in request["end_date_text"]
    assert [(o["title"], o["status_text"]) for o in panel["offers"]] == [
        (offer["offer"]["title"], "Declined")
    ]
    assert [(q["model"], q["returned"]) for q in panel["equipment"]] == [("Router X", False)]
    events = [line["text"] for line in body["transcript"] if line["who"] == "event"]
    assert events[0] == f"offer made: {offer['offer']['title']}" and events[1] == "offer declined"
    assert events[2].startswith(f"cancellation filed: {filed['confirmation_number']}, ends ")
    assert body["transcript"][-1]["text"] == "Anything else?"
    assert body["handoff"]["customer_name"] == panel["name"]

    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    for shown in (
        "$1,250.00",
        "Cancellation pending",
        filed["confirmation_number"],
        "Declined",
        "Router X",
        "Verified in this chat",
        "cancellation filed: ",
    ):
        assert shown in page, shown
    assert account["email"] not in page and "cancellation_pending" not in page


async def test_server_sent_events_tell_the_console_what_changed(api, db, agent, supervisor):
    """The console's event stream: `ready`, then a `queue` event when a chat is queued or taken, a
    `chat` event when Rasa's tracker store reports the conversation changed, `typing` from the
    widget; two staff users following the same chat get the same events."""
    import asyncio
    import json as _json

    set_duty(db, "on")

    async def next_event(stream):
        kind = None
        while True:
            line = (await asyncio.wait_for(stream.content.readline(), 10)).decode().strip()
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind:
                return kind, _json.loads(line[6:])

    async with (
        agent.http.get(agent.base + "/console/api/events") as stream,
        supervisor.http.get(supervisor.base + "/console/api/events") as other,
    ):
        assert stream.status == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
        assert (await next_event(stream))[0] == "ready" and (await next_event(other))[0] == "ready"
        h = (await queue_handoff(api, channel="socketio"))["handoff"]
        for follower in (stream, other):
            assert await next_event(follower) == ("queue", {"type": "queue", "id": h["id"]})
        assert (await supervisor.post(f"/console/handoffs/{h['id']}/take", json={}))[0] == 200
        assert await next_event(stream) == ("queue", {"type": "queue", "id": h["id"]})
        status, body = await api.post("/api/v1/handoffs/activity", {"conversation_id": h["conversation_id"]})
        assert status == 200 and body == {"open_handoff": h["id"]}
        assert await next_event(stream) == ("chat", {"type": "chat", "id": h["id"]})
        answer = await api.client.post("/widget/v1/typing", json={"conversation_id": h["conversation_id"]})
        assert answer.status == 200
        assert await next_event(stream) == ("typing", {"type": "typing", "id": h["id"]})
        seen = [await next_event(other) for _ in range(3)]
        assert seen == [
            ("queue", {"type": "queue", "id": h["id"]}),
            ("chat", {"type": "chat", "id": h["id"]}),
            ("typing", {"type": "typing", "id": h["id"]}),
        ]
    nobody = await api.client.get("/console/api/events")
    assert nobody.status == 401


async def test_search_filters_and_the_staff_load(api, db, agent, supervisor):
    import secrets as _secrets

    set_duty(db, "on")
    account = make_account(db)
    cid = "conv-search-" + _secrets.token_hex(3)
    who = await api.verify(account, cid)
    status, filed = await api.call(
        "POST",
        "/api/v1/cancellations",
        who,
        headers={"Idempotency-Key": cid},
        json={
            "service_id": account["services"][0],
            "when": "end_of_period",
            "reason": "price",
            "backup_confirmed": True,
            "terms_accepted": True,
            "channel": "twilio",
        },
    )
    assert status in (200, 201), filed
    verified = (await queue_handoff(api, cid, channel="twilio", who=who))["handoff"]
    other = (await queue_handoff(api, channel="socketio"))["handoff"]
    assert (await agent.post(f"/console/handoffs/{other['id']}/take", json={}))[0] == 200

    async def ids(query):
        status, body, _ = await agent.get("/console/api/handoffs?" + query)
        assert status == 200, body
        return {h["id"] for h in body["handoffs"]}

    name = verified["customer_name"]
    for term in (account["account_number"], name.upper(), filed["confirmation_number"].lower(), cid):
        assert await ids("q=" + term.replace(" ", "+")) == {verified["id"]}, term
    assert await ids("q=nobody-like-this") == set()
    assert other["id"] in await ids("view=mine") and verified["id"] not in await ids("view=mine")
    assert verified["id"] in await ids("view=waiting") and other["id"] not in await ids("view=waiting")
    assert verified["id"] in await ids("channel=twilio") and other["id"] not in await ids("channel=twilio")
    assert not {verified["id"], other["id"]} & await ids("reason=fallback")
    assert {verified["id"], other["id"]} <= await ids("reason=customer_request")
    status, page, _ = await agent.get("/console/queue?view=mine")
    assert f"#{other['id']}" in page and f"#{verified['id']}<" not in page

    status, staff, _ = await supervisor.get("/console/api/staff")
    load = {p["username"]: p["open_chats"] for p in staff["staff"]}
    assert load[agent.user["username"]] >= 1
    status, page, _ = await supervisor.get("/console/queue")
    assert "Staff and their load" in page
    assert "Staff and their load" not in (await agent.get("/console/queue"))[1]


async def test_internal_notes_stay_in_the_console(api, db, agent, supervisor, rasa):
    set_duty(db, "on")
    h = (await queue_handoff(api))["handoff"]
    appended = len(rasa.appends)
    status, body, _ = await agent.post(
        f"/console/handoffs/{h['id']}/notes", json={"text": "Wants a callback <b>"}
    )
    assert status == 200 and [n["text"] for n in body["notes"]] == ["Wants a callback <b>"]
    assert body["notes"][0]["by"] == agent.user["username"].title()
    assert len(rasa.appends) == appended  # nothing went to Rasa (so nothing to the customer)
    status, detail, _ = await supervisor.get(f"/console/api/handoffs/{h['id']}")
    assert [n["text"] for n in detail["notes"]] == ["Wants a callback <b>"]
    assert not any("Wants a callback" in (line["text"] or "") for line in detail["transcript"] or [])
    status, page, _ = await supervisor.get(f"/console/handoffs/{h['id']}")
    assert "Wants a callback &lt;b&gt;" in page and "the customer never sees these" in page
    assert (await agent.post(f"/console/handoffs/{h['id']}/notes", json={"text": "x" * 2001}))[0] == 422
    audit = db.transaction(
        lambda s: [
            e.details
            for e in s.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "handoff_note",
                    AuditEvent.conversation_key == conversation_key(h["conversation_id"]),
                )
            ).scalars()
        ]
    )
    assert audit == [{"handoff_id": h["id"], "staff": agent.user["username"], "characters": 20}]


async def test_canned_replies_a_supervisor_edits_from_the_console(api, db, server, agent, supervisor):
    from backend.console import CANNED_PATH

    path = server.app[CANNED_PATH]
    status, body, _ = await agent.get("/console/api/canned")
    assert status == 200 and body["replies"][0]["title"] == "Greeting"
    new = "- title: Hours\n  text: We answer on weekdays from 9 to 5.\n"
    assert (await agent.post("/console/canned", json={"replies": new}))[0] == 403
    for broken in ("- title: x", "not: a list", "- [unclosed", "- title: ''\n  text: y"):
        status, body, _ = await supervisor.post("/console/canned", json={"replies": broken})
        assert status == 422 and body["error"] == "invalid_field" and "replies" in body["message"], broken
    assert "Greeting" in path.read_text(encoding="utf-8")  # unchanged after refusals
    status, body, _ = await supervisor.post("/console/canned", json={"replies": new})
    assert status == 200 and body["replies"] == [
        {"title": "Hours", "text": "We answer on weekdays from 9 to 5."}
    ]
    assert path.read_text(encoding="utf-8") == new and path.stat().st_mode & 0o777 == 0o644
    # the agent's reply box offers it
    set_duty(db, "on")
    h = (await queue_handoff(api))["handoff"]
    assert (await agent.post(f"/console/handoffs/{h['id']}/take", json={}))[0] == 200
    status, page, _ = await agent.get(f"/console/handoffs/{h['id']}")
    assert 'data-text="We answer on weekdays from 9 to 5."' in page and ">Hours</option>" in page
    assert db.transaction(
        lambda s: (
            s.execute(select(AuditEvent).where(AuditEvent.action == "canned_replies_updated"))
            .scalars()
            .all()[-1]
            .details
        )
    ) == {"staff": supervisor.user["username"], "replies": 1}


async def test_agent_revokes_a_request_for_the_verified_customer_by_the_same_rule(
    api, db, agent, supervisor, rasa
):
    import secrets as _secrets

    from backend.models import CancellationRequest, Service

    set_duty(db, "on")
    account = make_account(db)
    cid = "conv-revoke-" + _secrets.token_hex(3)
    who = await api.verify(account, cid)
    status, filed = await api.call(
        "POST",
        "/api/v1/cancellations",
        who,
        headers={"Idempotency-Key": cid},
        json={
            "service_id": account["services"][0],
            "when": "end_of_period",
            "reason": "moving",
            "backup_confirmed": True,
            "terms_accepted": True,
            "channel": "socketio",
        },
    )
    assert status in (200, 201), filed
    number = filed["confirmation_number"]
    hid = (await queue_handoff(api, cid, who=who))["handoff"]["id"]
    unverified = (await queue_handoff(api))["handoff"]["id"]
    # not before taking the chat; not in a chat without a verified customer
    status, body, _ = await agent.post(
        f"/console/handoffs/{hid}/revoke", json={"confirmation_number": number}
    )
    assert status == 403
    assert (await agent.post(f"/console/handoffs/{hid}/take", json={}))[0] == 200
    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    assert f"Revoke {number}" in page
    assert (await supervisor.post(f"/console/handoffs/{unverified}/take", json={}))[0] == 200
    status, body, _ = await supervisor.post(
        f"/console/handoffs/{unverified}/revoke", json={"confirmation_number": number}
    )
    assert status == 409 and body["error"] == "not_verified"

    status, body, _ = await agent.post(
        f"/console/handoffs/{hid}/revoke", json={"confirmation_number": number}
    )
    assert status == 200 and body["cancellation"]["confirmation_number"] == number
    row = db.transaction(
        lambda s: s.execute(
            select(CancellationRequest).where(CancellationRequest.confirmation_number == number)
        ).scalar_one()
    )
    assert row.status == "revoked"
    assert db.transaction(lambda s: s.get(Service, account["services"][0]).status) == "active"
    status, body, _ = await agent.post(
        f"/console/handoffs/{hid}/revoke", json={"confirmation_number": number}
    )
    assert status == 409 and body["error"] == "already_revoked"  # the assistant's rule, once
    status, detail, _ = await agent.get(f"/console/api/handoffs/{hid}")
    assert detail["account"]["open_cancellations"] == []
    assert any(line["text"] == f"cancellation revoked: {number}" for line in detail["transcript"])
    actions = db.transaction(
        lambda s: [
            e.action
            for e in s.execute(
                select(AuditEvent)
                .where(AuditEvent.conversation_key == conversation_key(cid))
                .order_by(AuditEvent.id)
            ).scalars()
        ]
    )
    assert "cancellation_revoked" in actions and "handoff_revoke" in actions


async def test_agent_notes_a_payment_plan_for_billing_from_the_panel(api, db, agent, supervisor, rasa):
    """A verified customer with a balance asks to pay in parts (policy how_to_pay sends them to a
    person): the agent notes a plan from the panel; billing's owner gets an open task with the
    monthly amount, the panel and the transcript show it, and the rules refuse what they should."""
    import secrets as _secrets

    from backend.models import Account, StaffTask

    set_duty(db, "on")
    account = make_account(db, receivables="1250.00")
    cid = "conv-plan-" + _secrets.token_hex(3)
    who = await api.verify(account, cid)
    hid = (await queue_handoff(api, cid, who=who))["handoff"]["id"]
    path = f"/console/handoffs/{hid}/payment-plan"
    status, body, _ = await agent.post(path, json={"months": 6})
    assert status == 403  # take the chat first
    assert (await agent.post(f"/console/handoffs/{hid}/take", json={}))[0] == 200
    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    assert "Note payment plan" in page and "Split $1,250.00 over" in page
    for months in (1, 13, "six", True, None):
        status, body, _ = await agent.post(path, json={"months": months})
        assert status == 422 and body["error"] == "invalid_field", months

    status, body, _ = await agent.post(path, json={"months": 6})
    assert status == 200, body
    assert body["payment_plan"]["text"] == "$1,250.00 over 6 months ($208.34 a month)"
    assert body["payment_plan"]["owner"] == "Heather"
    task = db.transaction(
        lambda s: s.execute(
            select(StaffTask)
            .join(Account, Account.id == StaffTask.account_id)
            .where(Account.account_number == account["account_number"], StaffTask.kind == "payment_plan")
        ).scalar_one()
    )
    assert (task.owner, task.status) == ("Heather", "open")
    assert task.details == {
        "balance": "1250.00",
        "months": 6,
        "monthly": "208.34",
        "noted_by": agent.user["username"],
    }
    status, body, _ = await agent.post(path, json={"months": 3})
    assert status == 409 and body["error"] == "plan_pending"  # one waiting plan per account

    status, detail, _ = await agent.get(f"/console/api/handoffs/{hid}")
    assert [p["text"] for p in detail["account"]["payment_plans"]] == [
        "$1,250.00 over 6 months ($208.34 a month)"
    ]
    assert "payment plan noted: $1,250.00 over 6 months ($208.34 a month)" in [
        line["text"] for line in detail["transcript"] if line["who"] == "event"
    ]
    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    assert "waiting for Heather (billing)" in page and "Note payment plan" not in page
    actions = db.transaction(
        lambda s: [
            e.action
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.conversation_key == conversation_key(cid))
            ).scalars()
        ]
    )
    assert "payment_plan_noted" in actions and "handoff_payment_plan" in actions

    # nothing to split: no form, and the rule refuses
    empty = make_account(db)
    cid2 = "conv-plan-" + _secrets.token_hex(3)
    who2 = await api.verify(empty, cid2)
    hid2 = (await queue_handoff(api, cid2, who=who2))["handoff"]["id"]
    assert (await supervisor.post(f"/console/handoffs/{hid2}/take", json={}))[0] == 200
    assert "Note payment plan" not in (await supervisor.get(f"/console/handoffs/{hid2}"))[1]
    status, body, _ = await supervisor.post(f"/console/handoffs/{hid2}/payment-plan", json={"months": 3})
    assert status == 409 and body["error"] == "no_balance"
