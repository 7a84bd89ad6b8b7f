"""Speed fixes for Rasa Open Source 3.6 that change no behaviour, installed when Rasa loads
``bot.rasa_tracker_store`` (i.e. whenever the assistant server starts with our endpoints).

Measured with ``python -m bench.profile`` (docs/performance.md):

* ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, schema)`` for
  every answer of the action server. ``jsonschema.validate`` first checks the (constant) schema
  against the JSON Schema meta-schema and then builds a new validator with a fresh reference
  resolver: about 45 ms per call for Rasa's event schema, which made 40 % of the Rasa server's
  CPU time (a form turn makes two or three action server calls). Here the schema is checked and
  compiled once and the same validator is reused (about 3 ms a call), and each event is checked
  only against the schema of its own kind instead of all 23 alternatives of the ``oneOf`` (well
  under 1 ms a call). Valid answers pass and invalid ones go through the full validator, so
  they raise the same ``jsonschema.ValidationError`` with the same extended message.
* ``Event.resolve_by_type`` walks the whole ``Event`` class tree (``all_subclasses``) for every
  event deserialised, and Rasa deserialises the whole conversation on every tracker retrieval
  (about 8 % of the Rasa server's CPU). Found classes are remembered by type name; unknown names
  still go through Rasa's lookup (same fallback and same error).
* ``EndpointConfig.request`` opens a new aiohttp session (and TCP connection) for every call to
  the action server (8 % of the Rasa server's CPU). Here one session per event loop is reused,
  with the same headers, auth, timeout, parameters and errors per request, no cookies kept (as
  with a fresh session), and idle connections dropped after 2 s, before the action server's
  Sanic closes them (keep-alive timeout 5 s), so a reused connection is never a closed one.
* ``RulePolicy._get_possible_keys`` checks every rule against every state of the conversation,
  back to its first turn, although a rule of length n can only fail on the last n states (and
  ``_is_rule_applicable`` returns True beyond), and it re-parses and reverses each rule on every
  check. It now stops when no rule is left or all rules left are shorter than the states
  checked, with the same checks inline on rules reversed once: same keys, a few states instead
  of the whole history.
* ``Domain.states_for_tracker_history`` (what every policy featurises) replays the whole
  conversation into a fresh tracker for every prediction, several times per turn. It now keeps
  the replay on the tracker and only replays the events added since, when the applied events
  of the last call are a prefix (same event objects) of the new ones; otherwise (a rewind, an
  undone action, a form's collapsed loop events) it starts over. The states are built by the
  same statements in the same order and handed out as fresh dicts.
* ``DaskGraphRunner.run`` (the NLU parse and every policy prediction) recomputes the minimal
  graph schema of its targets (a recursive walk and new schema objects) and rebuilds the task
  graph on every call, formats its inputs into a debug message whatever the log level, and then
  hands a graph of ~20 nodes to dask's scheduler. For prediction graphs (no hooks) the task
  graph of each target list is now built once and its tasks are called in dependency order
  directly; training graphs (with hooks) keep Rasa's own run.
* ``MessageProcessor._parse_message_with_graph`` runs the whole NLU graph (tokenizer,
  featurizers, logistic regression, CRF, fallback) for a button payload such as ``/deny`` or
  ``/inform{"end_when":"end_of_period"}``, and then the graph's last step,
  ``RegexMessageHandler``, throws all of that away and returns the intent and entities written
  in the payload (about 7 ms a turn). Here a payload that ``RegexMessageHandler`` would take is
  unpacked by the same function (``YAMLStoryReader.unpack_regex_message``) without running the
  graph; anything else (typed text, an unknown intent, a malformed payload, a graph whose last
  NLU step is not ``RegexMessageHandler``) goes through the graph as before.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Set

logger = logging.getLogger(__name__)

_installed = False
_validator: Optional[Any] = None
_event_validators: Dict[str, Any] = {}


def _response_validator() -> Any:
    """The compiled validator of the action server answer schema (built once)."""
    global _validator
    if _validator is None:
        from jsonschema import validators
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
        # Rasa's event schema is a ``oneOf`` over 23 event kinds, each told apart by a
        # ``const`` on the (required) ``event`` key: an event of kind t satisfies the
        # ``oneOf`` exactly when it satisfies t's alternative, because every other
        # alternative's ``const`` fails. One validator per kind checks only that one.
        event_schema = schema["properties"]["events"]["items"]
        base = {k: v for k, v in event_schema.items() if k != "oneOf"}
        for alternative in event_schema["oneOf"]:
            kind = alternative["properties"]["event"]["const"]
            _event_validators[kind] = cls({**base, "allOf": [alternative]})
    return _validator


def _quickly_valid(result: Any) -> bool:
    """True when ``result`` certainly satisfies the answer schema, checked per event kind;
    False means "not shown valid here" and the full validator decides (and words the error)."""
    if not isinstance(result, dict):
        return False
    events = result.get("events", [])
    responses = result.get("responses", [])
    if not isinstance(events, list) or not isinstance(responses, list):
        return False
    if not all(isinstance(r, dict) for r in responses):
        return False
    for event in events:
        kind = event.get("event") if isinstance(event, dict) else None
        validator = _event_validators.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with reused validators."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        validator = _response_validator()
        if _quickly_valid(result):
            return True
        # as ``jsonschema.validate`` does: the most relevant error, not the first one found
        error = best_match(validator.iter_errors(result))
        if error is not None:
            raise error
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


_event_classes: Dict[str, Any] = {}
_original_resolve_by_type: Optional[Any] = None


def _resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
    """Drop-in for ``Event.resolve_by_type`` that remembers the classes it found."""
    found = _event_classes.get(type_name)
    if found is not None:
        return found
    result = _original_resolve_by_type(type_name, default)
    if result is not None and getattr(result, "type_name", None) == type_name:
        _event_classes[type_name] = result
    return result


_KEEPALIVE_SECONDS = 2.0
_sessions: Dict[int, Any] = {}


def _loop_session() -> Any:
    """The shared client session of the running event loop (created on first use)."""
    import asyncio

    import aiohttp

    loop = asyncio.get_running_loop()
    session = _sessions.get(id(loop))
    if session is None or session.closed or getattr(session, "_loop", loop) is not loop:
        connector = aiohttp.TCPConnector(keepalive_timeout=_KEEPALIVE_SECONDS, limit=100)
        session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        _sessions[id(loop)] = session
    return session


async def _endpoint_request(
    self: Any,
    method: str = "post",
    subpath: Optional[str] = None,
    content_type: Optional[str] = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Optional[Any]:
    """Drop-in for ``EndpointConfig.request`` (Rasa 3.6) on a reused session."""
    import os
    import ssl

    import aiohttp
    from aiohttp.client_exceptions import ContentTypeError
    from rasa.shared.exceptions import FileNotFoundException
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, ClientResponseError, concat_url

    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs["headers"])
        del kwargs["headers"]
    if self.headers:
        headers.update(self.headers)
    url = concat_url(self.url, subpath)
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, "
                f"'{os.path.abspath(self.cafile)}' does not exist."
            ) from e
    auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth else None)
    params = self.combine_parameters(kwargs)
    # a per-call timeout (RemoteAction passes one) wins over the session default, as before
    timeout = kwargs.pop("timeout", aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT))
    async with _loop_session().request(
        method,
        url,
        headers=headers,
        params=params,
        compress=compress,
        ssl=sslcontext,
        auth=auth,
        timeout=timeout,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(
                response.status,
                response.reason,
                await response.content.read(),
            )
        try:
            return await response.json()
        except ContentTypeError:
            return None


_original_parse_with_graph: Optional[Any] = None
_original_graph_run: Optional[Any] = None
_reversed_rules: Dict[str, List[Any]] = {}


def _reversed_rule(policy: Any, rule_key: str) -> List[Any]:
    """The rule's states, newest first (``_is_rule_applicable`` rebuilt this on every call)."""
    states = _reversed_rules.get(rule_key)
    if states is None:
        states = _reversed_rules[rule_key] = list(reversed(policy._rule_key_to_state(rule_key)))
    return states


def _get_possible_keys(self: Any, lookup: Dict[str, str], states: List[Any]) -> Set[str]:
    """Drop-in for ``RulePolicy._get_possible_keys``: the same filter, state by state back in
    time, with ``_is_rule_applicable``'s checks inline, but it stops once no rule is left or
    every rule left is shorter than the states already checked (``_is_rule_applicable`` is
    True for every older state then)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    possible = {key: _reversed_rule(self, key) for key in lookup}
    for i, state in enumerate(reversed(states)):
        if not possible or all(i >= len(rule) for rule in possible.values()):
            break
        current_previous_action = state.get(PREVIOUS_ACTION)
        kept = {}
        for key, rule in possible.items():
            if i >= len(rule):
                kept[key] = rule
                continue
            rule_previous_action = rule[i].get(PREVIOUS_ACTION)
            if not rule_previous_action and not current_previous_action:
                kept[key] = rule
            elif not rule_previous_action or not current_previous_action:
                continue
            elif self._does_rule_match_state(rule[i], state):
                kept[key] = rule
        possible = kept
    return set(possible)


def _payload_parse(processor: Any, message: Any, only_output_properties: bool) -> Optional[Dict]:
    """The parse of a ``/intent{...}`` payload (a button) without running the NLU graph, or
    None when the text is not a payload that ``RegexMessageHandler`` would take."""
    from rasa.shared.constants import INTENT_MESSAGE_PREFIX
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.constants import (
        ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT,
    )
    from rasa.shared.nlu.training_data.message import Message

    text = message.text
    if not isinstance(text, str) or not text.strip().startswith(INTENT_MESSAGE_PREFIX):
        return None
    if processor.model_metadata.nlu_target != "run_RegexMessageHandler":
        return None  # a graph whose last NLU step is something else: let it run
    given = Message({TEXT: text})
    unpacked = YAMLStoryReader.unpack_regex_message(
        given, processor.domain, entity_extractor_name="RegexMessageHandler"
    )
    if unpacked is given:
        return None  # unknown intent or not the payload pattern: the classifiers decide
    parse_data = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
                  ENTITIES: []}
    parse_data.update(unpacked.as_dict(only_output_properties=only_output_properties))
    return parse_data


def _parse_message_with_graph(
    self: Any, message: Any, tracker: Any, only_output_properties: bool = True
) -> Dict:
    """Drop-in for ``MessageProcessor._parse_message_with_graph`` that answers button payloads
    directly."""
    parsed = _payload_parse(self, message, only_output_properties)
    if parsed is not None:
        return parsed
    return _original_parse_with_graph(self, message, tracker, only_output_properties)


class _StatesMemo:
    """How far ``states_for_tracker_history`` got on one tracker: the applied events consumed,
    the tracker they were replayed into, the states produced and the loop's two variables."""

    __slots__ = ("domain", "rule_only_data", "applied", "replay", "states", "last_ml", "hidden")

    def __init__(self, domain: Any, tracker: Any, rule_only_data: Any) -> None:
        self.domain = domain
        self.rule_only_data = rule_only_data
        self.applied: List[Any] = []
        self.replay = tracker.init_copy()
        self.states: List[Dict] = []
        self.last_ml: Optional[Dict] = None
        self.hidden = False


def _add_state(domain: Any, states: List[Dict], tr: Any, hide_rule_turn: bool, last_ml: Any,
               hidden: bool, omit_unset_slots: bool, ignore_rule_only_turns: bool,
               rule_only_data: Any) -> tuple:
    """One step of Rasa 3.6's ``Domain.states_for_tracker_history`` loop (same statements)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    if ignore_rule_only_turns:
        if not hidden:
            last_ml = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            hidden = hide_rule_turn
        if hidden:
            return last_ml, hidden
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if last_ml:
            state[PREVIOUS_ACTION] = last_ml
    states.append(domain._clean_state(state))
    return last_ml, hidden


def _copy_states(states: List[Dict]) -> List[Dict]:
    """Fresh state and sub-state dicts (callers edit them), shared where Rasa's were shared."""
    seen: Dict[int, Any] = {}
    copied = []
    for state in states:
        new = {}
        for kind, sub_state in state.items():
            twin = seen.get(id(sub_state))
            if twin is None:
                twin = seen[id(sub_state)] = (
                    dict(sub_state) if isinstance(sub_state, dict) else sub_state)
            new[kind] = twin
        copied.append(new)
    return copied


def _states_for_tracker_history(
    self: Any,
    tracker: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[str, Any]] = None,
) -> List[Dict]:
    """Drop-in for ``Domain.states_for_tracker_history`` that carries on from where the last
    call on the same tracker stopped when the applied events only grew since (a form turn asks
    the policies several times, and the tracker store keeps the tracker between turns)."""
    from rasa.shared.core.events import ActionExecuted

    applied = tracker.applied_events()
    memos = tracker.__dict__.setdefault("_speedups_states", {})
    key = (id(self), omit_unset_slots, ignore_rule_only_turns, id(rule_only_data))
    memo = memos.get(key)
    if (
        memo is None
        or memo.domain is not self
        or memo.rule_only_data is not rule_only_data
        or len(applied) < len(memo.applied)
        or any(old is not new for old, new in zip(memo.applied, applied))
    ):
        memo = memos[key] = _StatesMemo(self, tracker, rule_only_data)
    args = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    for event in applied[len(memo.applied):]:
        if isinstance(event, ActionExecuted):
            memo.last_ml, memo.hidden = _add_state(
                self, memo.states, memo.replay, event.hide_rule_turn, memo.last_ml,
                memo.hidden, *args)
        memo.replay.update(event)
        memo.applied.append(event)
    states = list(memo.states)
    _add_state(self, states, memo.replay, False, memo.last_ml, memo.hidden, *args)
    return _copy_states(states)


def _graph_plan(runner: Any, targets: List[str]) -> Optional[Dict[str, Any]]:
    """The task graph for ``targets`` (built once per target list), or None for a runner whose
    nodes have hooks (training: caching and fingerprinting), which keeps Rasa's own run."""
    plans = runner.__dict__.setdefault("_speedups_plans", {})
    key = tuple(targets)
    if key not in plans:
        hooked = any(getattr(node, "_hooks", None) for node in runner._instantiated_nodes.values())
        plans[key] = None if hooked else runner._build_dask_graph(
            runner._graph_schema.minimal_graph_schema(targets))
    return plans[key]


def _execute(graph: Dict[str, Any], targets: List[str]) -> List[Any]:
    """Results of ``targets`` in ``graph`` as ``dask.get`` computes them for Rasa's graphs: a
    task is ``(callable, *keys)``, called once with its dependencies' results; a key missing
    from the graph is passed on as the key itself; any other value is its own result."""
    results: Dict[str, Any] = {}

    def compute(key: Any) -> Any:
        if key in results:
            return results[key]
        if key not in graph:
            return key
        task = graph[key]
        if isinstance(task, tuple) and task and callable(task[0]):
            value = task[0](*[compute(dependency) for dependency in task[1:]])
        else:
            value = task
        results[key] = value
        return value

    return [compute(target) for target in targets]


def _graph_run(self: Any, inputs: Optional[Dict[str, Any]] = None,
               targets: Optional[List[str]] = None) -> Dict[str, Any]:
    """Drop-in for ``DaskGraphRunner.run`` for prediction graphs: the minimal graph of the
    targets is computed once, not on every run, and its tasks are called in dependency order
    directly instead of through dask's scheduler (same calls, same results, same errors)."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    plan = _graph_plan(self, run_targets)
    if plan is None:
        return _original_graph_run(self, inputs, targets)
    run_graph = dict(plan)
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(_execute(run_graph, run_targets))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


# (module, class, attribute, replacement): what ``install`` patches.
PATCHES = [
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result", _validate_action_result),
    ("rasa.utils.endpoints", "EndpointConfig", "request", _endpoint_request),
    ("rasa.shared.core.events", "Event", "resolve_by_type", staticmethod(_resolve_by_type)),
    ("rasa.core.processor", "MessageProcessor", "_parse_message_with_graph",
     _parse_message_with_graph),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_get_possible_keys", _get_possible_keys),
    ("rasa.shared.core.domain", "Domain", "states_for_tracker_history",
     _states_for_tracker_history),
    ("rasa.engine.runner.dask", "DaskGraphRunner", "run", _graph_run),
]
# Rasa's own functions, by "Class.attribute", as they were before ``install`` (for the tests).
ORIGINALS: Dict[str, Any] = {}


def install() -> None:
    """Apply the patches once (idempotent)."""
    global _installed, _original_resolve_by_type, _original_parse_with_graph, _original_graph_run
    if _installed:
        return
    import importlib

    import rasa

    if not rasa.__version__.startswith("3.6."):
        logger.warning("bot.rasa_speedups: written for Rasa 3.6, found %s; not applied",
                       rasa.__version__)
        return
    for module, cls_name, attribute, replacement in PATCHES:
        cls = getattr(importlib.import_module(module), cls_name)
        ORIGINALS[f"{cls_name}.{attribute}"] = getattr(cls, attribute)
        setattr(cls, attribute, replacement)
    _original_resolve_by_type = ORIGINALS["Event.resolve_by_type"]
    _original_parse_with_graph = ORIGINALS["MessageProcessor._parse_message_with_graph"]
    _original_graph_run = ORIGINALS["DaskGraphRunner.run"]
    _installed = True
