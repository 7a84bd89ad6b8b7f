"""Prediction graphs run without dask give what Rasa's dask runner gives."""

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_speedups
from bot.rasa_speedups import ORIGINALS
from bot.rasa_speedups.graph import graph_plan

TEXTS = [
    "hi",
    "I want to cancel my internet service",
    "no thanks",
    "it's too expensive",
    "what's my balance",
    "10000001",
    "erin@example.com",
    "talk to a person",
    "end it on 2026-12-31",
    "blorp fizzle",
]


@pytest.fixture(scope="module")
def processor(trained_model):
    rasa_speedups.install()  # as bot.rasa_server does before Rasa starts

    return Agent.load(str(trained_model)).processor


def _both(runner, **kwargs):
    ours = runner.run(**kwargs)
    theirs = ORIGINALS["DaskGraphRunner.run"](runner, **kwargs)
    return ours, theirs


def test_nlu_parse_is_the_same(processor):
    target = processor.model_metadata.nlu_target
    for text in TEXTS:
        tracker = DialogueStateTracker.from_events("graph-test", [])
        ours, theirs = _both(
            processor.graph_runner,
            inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: tracker},
            targets=[target],
        )
        assert list(ours) == list(theirs) == [target]
        assert ours[target][0].as_dict() == theirs[target][0].as_dict(), text


def test_policy_predictions_are_the_same(processor):
    target = processor.model_metadata.core_target
    nlu = processor.model_metadata.nlu_target
    events = [ActionExecuted("action_listen")]
    predictions = 0
    for text in TEXTS:
        parsed = processor.graph_runner.run(
            inputs={
                PLACEHOLDER_MESSAGE: [UserMessage(text)],
                PLACEHOLDER_TRACKER: DialogueStateTracker.from_events("g", []),
            },
            targets=[nlu],
        )[nlu][0].as_dict(only_output_properties=True)
        events += [UserUttered(text, parse_data=parsed, intent=parsed["intent"])]
        tracker = DialogueStateTracker.from_events("graph-test", events, slots=processor.domain.slots)
        ours, theirs = _both(processor.graph_runner, inputs={PLACEHOLDER_TRACKER: tracker}, targets=[target])
        assert ours[target] == theirs[target], text
        predictions += 1
        best = max(range(len(ours[target].probabilities)), key=ours[target].probabilities.__getitem__)
        events.append(ActionExecuted(processor.domain.action_names_or_texts[best]))
        events.append(ActionExecuted("action_listen"))
    assert predictions == len(TEXTS)


def test_training_graphs_keep_rasas_own_run(processor):
    class Hooked:
        _hooks = ["a training hook"]

    runner = type("Runner", (), {})()
    runner._instantiated_nodes = {"n": Hooked()}
    assert graph_plan(runner, ["n"]) is None
