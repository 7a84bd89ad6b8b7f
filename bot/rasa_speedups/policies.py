"""Policy predictions: the rule lookup and the dialogue states every policy featurises.

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
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

_reversed_rules: Dict[str, List[Any]] = {}


def _reversed_rule(policy: Any, rule_key: str) -> List[Any]:
    """The rule's states, newest first (``_is_rule_applicable`` rebuilt this on every call)."""
    states = _reversed_rules.get(rule_key)
    if states is None:
        states = _reversed_rules[rule_key] = list(reversed(policy._rule_key_to_state(rule_key)))
    return states


def get_possible_keys(self: Any, lookup: Dict[str, str], states: List[Any]) -> Set[str]:
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


def _add_state(
    domain: Any,
    states: List[Dict],
    tr: Any,
    hide_rule_turn: bool,
    last_ml: Any,
    hidden: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Any,
) -> tuple:
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
                twin = seen[id(sub_state)] = dict(sub_state) if isinstance(sub_state, dict) else sub_state
            new[kind] = twin
        copied.append(new)
    return copied


def states_for_tracker_history(
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
    for event in applied[len(memo.applied) :]:
        if isinstance(event, ActionExecuted):
            memo.last_ml, memo.hidden = _add_state(
                self, memo.states, memo.replay, event.hide_rule_turn, memo.last_ml, memo.hidden, *args
            )
        memo.replay.update(event)
        memo.applied.append(event)
    states = list(memo.states)
    _add_state(self, states, memo.replay, False, memo.last_ml, memo.hidden, *args)
    return _copy_states(states)
