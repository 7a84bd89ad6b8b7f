"""Handoff against the real stack (devstack/stack.py: backend with the console, action server, Rasa
with the trained model): a REST customer asks for a person, the chat is queued and paused, an
agent answers from the console, hands back, and the assistant answers again."""

from __future__ import annotations

import secrets

import pytest

from tests.handoff.console_http import StackConsole

pytestmark = pytest.mark.slow

AGENT = ("alex", "alex-demo-password")  # backend/demo_data.yml, docs/fixtures.md
SUPERVISOR = ("sam", "sam-demo-password")


@pytest.fixture
def on_duty(stack):
    """Staff on duty whatever the clock says (supervisor override), back to business hours after."""
    supervisor = StackConsole(stack.backend_url).login(*SUPERVISOR)
    assert supervisor.post("/console/duty", {"mode": "on"})[0] == 200
    yield supervisor
    supervisor.post("/console/duty", {"mode": "auto"})


def _events(stack, sender):
    return stack.tracker(sender)["events"]


def test_request_human_pauses_agent_answers_and_hands_back(stack, on_duty):
    sender = "handoff-" + secrets.token_hex(4)
    answer = stack.say(sender, "/request_human")
    assert any("member of our team" in (m.get("text") or "") for m in answer), answer
    tracker = stack.tracker(sender)
    assert tracker["paused"] is True

    # queued with its reason and channel
    agent = StackConsole(stack.backend_url).login(*AGENT)
    status, queue = agent.get("/console/api/handoffs")
    mine = [h for h in queue["handoffs"] if h["conversation_id"] == sender]
    assert status == 200 and len(mine) == 1
    handoff = mine[0]
    assert handoff["reason"] == "customer_request" and handoff["channel"] == "rest" and handoff["paused"]

    # paused: the next message gets no answer from the assistant but is in the transcript
    assert stack.say(sender, "hello, is anyone there?") == []
    assert any(
        e["event"] == "user" and e.get("text") == "hello, is anyone there?" for e in _events(stack, sender)
    )

    hid = handoff["id"]
    assert agent.post(f"/console/handoffs/{hid}/take", {})[0] == 200
    status, body = agent.post(f"/console/handoffs/{hid}/reply", {"text": "Hi, this is Alex. How can I help?"})
    assert status == 200, body
    bots = [e for e in _events(stack, sender) if e["event"] == "bot"]
    assert bots[-1]["text"] == "Hi, this is Alex. How can I help?" and bots[-1]["metadata"]["agent"] == "Alex"
    status, detail = agent.get(f"/console/api/handoffs/{hid}")
    lines = [(line["who"], line["text"]) for line in detail["transcript"]]
    assert ("customer", "hello, is anyone there?") in lines and (
        "agent",
        "Hi, this is Alex. How can I help?",
    ) in lines

    # still paused after the agent's reply
    assert stack.say(sender, "thanks, one more thing") == []

    status, body = agent.post(f"/console/handoffs/{hid}/handback", {})
    assert status == 200 and body["handoff"]["outcome"] == "handed_back"
    assert stack.tracker(sender)["paused"] is False
    answer = stack.say(sender, "/greet")
    assert answer and all(m.get("recipient_id") == sender for m in answer)


def test_off_duty_queues_without_pausing(stack, on_duty):
    assert on_duty.post("/console/duty", {"mode": "off"})[0] == 200
    sender = "handoff-off-" + secrets.token_hex(4)
    answer = stack.say(sender, "/request_human")
    text = " ".join(m.get("text") or "" for m in answer)
    assert "No one from our team is available right now" in text and "carry on with your cancellation" in text
    assert any(b.get("payload") == "/cancel_service" for m in answer for b in m.get("buttons") or [])
    assert stack.tracker(sender)["paused"] is False
    assert any(
        h["conversation_id"] == sender and h["status"] == "queued" and not h["paused"]
        for h in on_duty.get("/console/api/handoffs")[1]["handoffs"]
    )
    # the assistant carries on right away
    assert stack.say(sender, "/greet")
