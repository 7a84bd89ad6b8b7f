"""Button payloads parsed without the NLU graph give exactly what the graph gives."""

import re

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.nlg.interpolator import interpolate_text
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_speedups
from bot.rasa_speedups import ORIGINALS
from devstack.stack import ROOT

TEXTS = [
    "/deny",
    "/affirm",
    " /affirm ",
    "/affirm@0.4",
    "/greet",
    "/request_human",
    '/inform{"end_when":"end_of_period"}',
    '/inform{"service_id":"SVC-1001"}',
    '/inform{"end_when": "immediately", "no_such_entity": 1}',
    "/no_such_intent",
    '/inform{"end_when": broken',
    "/",
    "/ affirm",
    "//deny",
    "hi",
    "I want to cancel my internet",
    "yes please",
]


def _payloads_in_domain():
    """Every button payload of the domain's responses, as Rasa renders it ("{{" becomes "{")."""
    raw = re.findall(r"payload: *[\"']?(/[^\"'\n]+)", (ROOT / "domain.yml").read_text())
    return sorted({interpolate_text(payload, {"any_slot": None}) for payload in raw})


@pytest.fixture(scope="module")
def processor(trained_model):
    rasa_speedups.install()  # as bot.rasa_server does before Rasa starts

    return Agent.load(str(trained_model)).processor


@pytest.mark.parametrize("only_output_properties", [True, False])
def test_same_parse_as_the_graph(processor, only_output_properties):
    texts = TEXTS + _payloads_in_domain()
    assert len(texts) > len(TEXTS)
    for text in texts:
        message = UserMessage(text, sender_id="payload-test")
        tracker = DialogueStateTracker.from_events("payload-test", [])
        ours = processor._parse_message_with_graph(message, tracker, only_output_properties)
        graph = ORIGINALS["MessageProcessor._parse_message_with_graph"](
            processor, message, tracker, only_output_properties
        )
        assert ours == graph, text


def test_payloads_skip_the_graph_and_text_does_not(processor, monkeypatch):
    runs = []
    original = processor.graph_runner.run
    monkeypatch.setattr(processor.graph_runner, "run", lambda **kw: runs.append(1) or original(**kw))
    tracker = DialogueStateTracker.from_events("payload-test", [])
    processor._parse_message_with_graph(UserMessage("/deny"), tracker)
    assert runs == []
    processor._parse_message_with_graph(UserMessage("no thanks"), tracker)
    processor._parse_message_with_graph(UserMessage("/no_such_intent"), tracker)
    assert len(runs) == 2
