"""Issue 14: SMS handoff end to end. The console addressed the conversation as
quote(id, safe=''), so "+1555..." became "%2B1555...", another conversation: the agent's messages
were never texted, the transcript was empty and hand-back resumed a phantom while the real
conversation stayed paused. Tested with the ids the SMS channel produces now (pseudonymous) and
with a raw "+" id (over REST), on the full stack with a Twilio stand-in."""

from __future__ import annotations

import secrets

import pytest

from devstack.vendors import post_sms
from tests.handoff.console_http import StackConsole

pytestmark = pytest.mark.slow

AGENT = ("alex", "alex-demo-password")
SUPERVISOR = ("sam", "sam-demo-password")


@pytest.fixture
def on_duty(stack):
    supervisor = StackConsole(stack.backend_url).login(*SUPERVISOR)
    assert supervisor.post("/console/duty", {"mode": "on"})[0] == 200
    yield supervisor
    supervisor.post("/console/duty", {"mode": "auto"})


def _handoff_of(agent, channel, seen_before):
    status, queue = agent.get("/console/api/handoffs")
    assert status == 200
    mine = [h for h in queue["handoffs"] if h["channel"] == channel and h["id"] not in seen_before]
    assert len(mine) == 1, queue
    return mine[0]


def _ids(agent):
    return {h["id"] for h in agent.get("/console/api/handoffs")[1]["handoffs"]}


def test_sms_handoff_texts_the_agent_and_hands_back_the_real_conversation(stack, on_duty):
    phone = "+1555" + str(secrets.randbelow(10**7)).zfill(7)
    agent = StackConsole(stack.backend_url).login(*AGENT)
    before = _ids(agent)
    assert post_sms(stack.env, phone, "I want to talk to a person") == 200
    assert any("member of our team" in text for text in stack.vendors.sms_to(phone)), stack.vendors.sms_to(
        phone
    )
    handoff = _handoff_of(agent, "twilio", before)
    conversation = handoff["conversation_id"]
    assert phone.lstrip("+") not in conversation and handoff["paused"]

    assert post_sms(stack.env, phone, "hello, anyone there?") == 200
    hid = handoff["id"]
    assert agent.post(f"/console/handoffs/{hid}/take", {})[0] == 200
    status, body = agent.post(f"/console/handoffs/{hid}/reply", {"text": "Hi, this is Alex from support."})
    assert status == 200, body
    assert stack.vendors.wait(lambda: "Hi, this is Alex from support." in stack.vendors.sms_to(phone))
    lines = [
        (line["who"], line["text"]) for line in agent.get(f"/console/api/handoffs/{hid}")[1]["transcript"]
    ]
    assert ("customer", "hello, anyone there?") in lines and (
        "agent",
        "Hi, this is Alex from support.",
    ) in lines

    assert agent.post(f"/console/handoffs/{hid}/handback", {})[0] == 200
    assert stack.tracker(conversation)["paused"] is False
    count = len(stack.vendors.sms_to(phone))
    assert post_sms(stack.env, phone, "hi") == 200
    assert len(stack.vendors.sms_to(phone)) > count  # the assistant answers again


def test_handoff_of_a_conversation_id_with_a_plus(stack, on_duty):
    sender = "+1555" + str(secrets.randbelow(10**7)).zfill(7)
    agent = StackConsole(stack.backend_url).login(*AGENT)
    before = _ids(agent)
    assert any("member of our team" in (m.get("text") or "") for m in stack.say(sender, "/request_human"))
    handoff = _handoff_of(agent, "rest", before)
    assert handoff["conversation_id"] == sender
    hid = handoff["id"]
    assert stack.say(sender, "still there?") == []
    assert agent.post(f"/console/handoffs/{hid}/take", {})[0] == 200
    assert agent.post(f"/console/handoffs/{hid}/reply", {"text": "Alex here."})[0] == 200
    bots = [e for e in stack.tracker(sender)["events"] if e["event"] == "bot"]
    assert bots[-1]["text"] == "Alex here."  # in the real conversation, not in "%2B..."
    lines = [
        (line["who"], line["text"]) for line in agent.get(f"/console/api/handoffs/{hid}")[1]["transcript"]
    ]
    assert ("customer", "still there?") in lines
    assert agent.post(f"/console/handoffs/{hid}/handback", {})[0] == 200
    assert stack.tracker(sender)["paused"] is False
    assert stack.say(sender, "/greet")
