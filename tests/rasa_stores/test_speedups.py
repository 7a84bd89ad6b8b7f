"""bot.rasa_speedups: the reused action-answer validator accepts and rejects as Rasa does."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.rasa_tracker_store  # noqa: F401  (installs the speed fixes, as Rasa's loading does)
from bot import rasa_speedups

ANSWERS_OK = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "reason", "value": "price", "timestamp": None}],
     "responses": [{"text": "ok", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "x"}]},
]
ANSWERS_BAD = [
    {"events": [{"name": "no event key"}]},
    {"events": "not a list"},
    {"events": [{"event": "slot", "name": 5}]},
    {"responses": ["not an object"]},
]


def test_installed_when_the_tracker_store_module_is_loaded():
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


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


def test_event_classes_resolve_as_before():
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("slot") is SlotSet  # from the cache
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("no_such_event", default=ActionExecuted) is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.from_parameters({"event": "slot", "name": "a", "value": 1}) == SlotSet("a", 1)
