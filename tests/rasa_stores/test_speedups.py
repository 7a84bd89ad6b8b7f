"""bot.rasa_speedups: the reused action-answer validator accepts and rejects as Rasa does."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_speedups
from bot.rasa_speedups import action_calls

rasa_speedups.install()  # as bot.rasa_server does before Rasa starts

ANSWERS_OK = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "reason", "value": "price", "timestamp": None}],
        "responses": [{"text": "ok", "buttons": [{"title": "Yes", "payload": "/affirm"}]}],
    },
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "x"}]},
    {
        "events": [
            {
                "event": "user",
                "text": "hi",
                "parse_data": {
                    "intent": {"name": "greet"},
                    "entities": [{"entity": "e", "value": 1, "start": 0, "end": 2}],
                },
            },
            {"event": "action", "name": "utter_greet", "policy": None, "confidence": 1.0},
            {"event": "bot", "text": "Hello", "data": {}, "metadata": {"utter_action": "x"}},
            {"event": "reset_slots"},
            {"event": "pause"},
            {"event": "resume"},
        ]
    },
    {"events": [{"event": "entities", "entities": []}], "other_key": 1},
]
ANSWERS_BAD = [
    {"events": [{"name": "no event key"}]},
    {"events": "not a list"},
    {"events": [{"event": "slot", "name": 5}]},
    {"responses": ["not an object"]},
    {"events": [{"event": "no_such_kind"}]},
    {"events": [{"event": 5}]},
    {"events": ["not an object"]},
    {"events": [{"event": "slot", "name": "a"}]},  # value missing
    {"events": [{"event": "user", "text": 5}]},
    {"events": [{"event": "action", "name": "x", "confidence": "high"}]},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "now"}]},
    {"events": [{"event": "bot", "metadata": "not an object"}]},
    {"events": [{"event": "entities", "entities": [{"entity": "e"}]}]},  # value missing
    {"events": [{"event": "user", "parse_data": {"entities": [{"value": 1}]}}]},
    {"events": [], "responses": [{"text": "ok"}, 3]},
    ["not", "an", "object"],
]


def test_installed_by_install():
    assert RemoteAction._validate_action_result is action_calls.validate_action_result


@pytest.mark.parametrize("answer", ANSWERS_OK + ANSWERS_BAD)
def test_same_verdict_as_jsonschema_validate(answer):
    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))
    try:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
        rasa_ok = True
    except jsonschema.ValidationError:
        rasa_ok = False
    if rasa_ok:
        assert action._validate_action_result(answer) is True
    else:
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(answer)
    assert rasa_ok == (answer in ANSWERS_OK)


@pytest.mark.parametrize("answer", ANSWERS_BAD)
def test_a_bad_answer_gets_the_error_rasa_words(answer):
    """Bad answers are decided by the full validator: the same message as Rasa's own."""
    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        action._validate_action_result(answer)
    assert ours.value.message.startswith(expected.value.message + ". Failed to validate")
