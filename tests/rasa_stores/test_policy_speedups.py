"""The policy speed fixes give what Rasa's own code gives, checked on every call of whole
conversations run through the real model, action server and backend (shadow comparison)."""

import asyncio

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bench import scenario
from bot import rasa_speedups
from bot.rasa_speedups import ORIGINALS, policies
from bot.rasa_tracker_store import RedactingTrackerStore
from tests.e2e.conversation import CONFIRMATION
from tests.stack import load_fixture

pytestmark = pytest.mark.slow
FIRST = 900  # synthetic accounts of this test (bench/scenario.py numbering)

WANDERING = [
    "hello",
    "what does it cost to cancel?",
    "I want to cancel my internet service",
    "blorp fizzle wumpus",
    "{account}",
    "how much do I owe?",
    "{zip}",
    "why is that",
    "it's too expensive",
    "/deny",
    "what equipment do I have to return?",
    "/affirm",
    '/inform{{"end_when":"end_of_period"}}',
    "no wait",
    "/affirm",
    "thanks, bye",
]


@pytest.fixture
def shadow(monkeypatch):
    """Run Rasa's original next to each patched function; collect every difference."""
    rasa_speedups.install()  # as bot.rasa_server does before Rasa starts
    calls, differences = {"states": 0, "keys": 0}, []
    states_original = ORIGINALS["Domain.states_for_tracker_history"]
    keys_original = ORIGINALS["RulePolicy._get_possible_keys"]

    def states(self, tracker, *args, **kwargs):
        ours = policies.states_for_tracker_history(self, tracker, *args, **kwargs)
        theirs = states_original(self, tracker, *args, **kwargs)
        calls["states"] += 1
        if ours != theirs:
            differences.append(("states", tracker.sender_id, len(tracker.events)))
        return ours

    def keys(self, lookup, states_):
        ours = policies.get_possible_keys(self, lookup, states_)
        calls["keys"] += 1
        if ours != keys_original(self, lookup, states_):
            differences.append(("rule keys", len(states_)))
        return ours

    monkeypatch.setattr(Domain, "states_for_tracker_history", states)
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", keys)
    return calls, differences


def test_whole_conversations_predict_as_rasa_does(stack, trained_model, tmp_path, shadow, monkeypatch):
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    load_fixture(stack, scenario.write_accounts(tmp_path / "accounts.json", 3, first=FIRST))
    agent = Agent.load(
        str(trained_model),
        action_endpoint=EndpointConfig(f"{stack.action_url}/webhook", token=stack.action_token),
        tracker_store=RedactingTrackerStore(url=f"sqlite:///{tmp_path}/tracker.db"),
    )
    agent.tracker_store.domain = agent.domain

    async def run():
        answers = []

        async def say(text, sender):
            out = await agent.handle_text(text, sender_id=sender)
            answers.extend(m.get("text", "") for m in out or [])
            return out or []

        n = FIRST
        done = await scenario.cancellation(lambda text: say(text, "shadow-a"), n)
        for text in WANDERING:
            await say(
                text.format(account=scenario.account_number(n + 1), zip=scenario.zip_code(n + 1)), "shadow-b"
            )
        return done, answers

    done, answers = asyncio.run(run())
    calls, differences = shadow
    assert done, answers[-5:]
    assert any(CONFIRMATION.search(a) for a in answers)
    assert calls["states"] > 50 and calls["keys"] > 20, calls
    assert differences == []
