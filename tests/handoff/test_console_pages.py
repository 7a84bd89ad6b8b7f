"""The staff console's pages as HTML: text a customer (or anyone outside staff) wrote is escaped on
every page that shows it, and the navigation links every page the signed-in role may open."""

import re

from sqlalchemy import update

from backend.console.pages import ENVIRONMENT
from backend.models import Account, OutboxMessage
from tests.backend.conftest import make_account
from tests.handoff.conftest import queue_handoff
from tests.handoff.test_queue import set_duty

HOSTILE = '<script>alert("owned")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_escaped(page: str, where: str) -> None:
    assert "<script>alert" not in page and "<img src=x" not in page, where
    assert ESCAPED in page, where


async def test_customer_text_is_escaped_on_every_page_that_shows_it(api, db, agent, supervisor, rasa):
    set_duty(db, "on")
    account = make_account(db)
    # The account's name as the company's records hold it (a customer may have typed it at sign-up).
    db.transaction(
        lambda s: s.execute(
            update(Account).where(Account.account_number == account["account_number"]).values(name=HOSTILE)
        )
    )
    cid = "conv-escape-" + account["account_number"]
    who = await api.verify(account, cid)
    hid = (await queue_handoff(api, cid, who=who))["handoff"]["id"]
    rasa.say(cid, "user", HOSTILE)  # what the customer typed in the chat
    rasa.say(cid, "bot", "Which one?", data={"buttons": [{"title": HOSTILE, "payload": "/x"}]})
    assert (await agent.post(f"/console/handoffs/{hid}/notes", json={"text": HOSTILE}))[0] == 200
    assert (await agent.post(f"/console/handoffs/{hid}/take", json={}))[0] == 200
    canned = f"- title: '{HOSTILE}'\n  text: '{HOSTILE}'\n"
    assert (await supervisor.post("/console/canned", json={"replies": canned}))[0] == 200
    # A provider's error message can quote the recipient's data back.
    db.transaction(
        lambda s: s.add(
            OutboxMessage(
                recipient="user@test.example",
                channel="email",
                kind="receipt",
                body="x",
                status="failed",
                last_error=HOSTILE,
            )
        )
    )

    pages = {
        "queue": (agent, "/console/queue"),
        "history": (agent, "/console/queue?closed=1"),
        "queue search": (agent, "/console/queue?q=" + HOSTILE.replace("&", "%26")),
        "chat (transcript, notes, name, canned reply picker)": (agent, f"/console/handoffs/{hid}"),
        "chat as a supervisor": (supervisor, f"/console/handoffs/{hid}"),
        "canned replies": (supervisor, "/console/canned"),
        "message delivery": (supervisor, "/console/outbox"),
    }
    for where, (who_reads, path) in pages.items():
        status, page, _ = await who_reads.get(path)
        assert status == 200 and isinstance(page, str), where
        assert_escaped(page, where)
    # The transcript shows the customer's words, the button offered and the note: each escaped once.
    status, page, _ = await agent.get(f"/console/handoffs/{hid}")
    assert page.count(ESCAPED) >= 5  # name, message, button, note, canned reply


def test_the_templates_are_autoescaped_and_compiled_once():
    assert ENVIRONMENT.autoescape is True  # every template, whatever its file name
    assert ENVIRONMENT.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert ENVIRONMENT.get_template("queue.html") is ENVIRONMENT.get_template("queue.html")


def nav_links(page: str) -> list:
    header = page.split('<header class="top">', 1)[1].split("</header>", 1)[0]
    return re.findall(r'<a href="([^"]+)">', header)


async def test_the_navigation_links_every_page_of_the_role_and_each_opens(agent, supervisor):
    status, page, _ = await agent.get("/console/queue")
    assert status == 200
    agent_links = nav_links(page)
    assert "/console/returns" in agent_links
    assert "/console/outbox" not in agent_links and "/console/reports" not in agent_links
    status, page, _ = await supervisor.get("/console/queue")
    supervisor_links = nav_links(page)
    assert {"/console/returns", "/console/outbox", "/console/reports", "/console/canned"} <= set(
        supervisor_links
    )
    for who, links in ((agent, agent_links), (supervisor, supervisor_links)):
        for link in links:
            status, _, _ = await who.get(link)
            assert status == 200, (who.user["role"], link)
