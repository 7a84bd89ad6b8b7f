"""Speed fixes for Rasa Open Source 3.6 that change no behaviour, installed when Rasa loads
``bot.rasa_tracker_store`` (i.e. whenever the assistant server starts with our endpoints).

Each module holds the replacements of one area, with what they fix and how it was measured
(``python -m bench.profile``, docs/performance.md): ``action_calls`` (answer validation, the
HTTP session to the action server), ``events`` (event classes), ``nlu`` (button payloads),
``policies`` (rule lookup, dialogue states) and ``graph`` (prediction graphs). ``install``
applies them on Rasa 3.6.x only; ``ORIGINALS`` keeps Rasa's functions for the tests.
"""

from __future__ import annotations

import importlib
import logging

from bot.rasa_speedups.action_calls import endpoint_request, validate_action_result
from bot.rasa_speedups.events import resolve_by_type
from bot.rasa_speedups.graph import graph_run
from bot.rasa_speedups.nlu import parse_message_with_graph
from bot.rasa_speedups.originals import ORIGINALS
from bot.rasa_speedups.policies import get_possible_keys, states_for_tracker_history

logger = logging.getLogger(__name__)

_installed = False

# (module, class, attribute, replacement): what ``install`` patches.
PATCHES = [
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result", validate_action_result),
    ("rasa.utils.endpoints", "EndpointConfig", "request", endpoint_request),
    ("rasa.shared.core.events", "Event", "resolve_by_type", staticmethod(resolve_by_type)),
    ("rasa.core.processor", "MessageProcessor", "_parse_message_with_graph", parse_message_with_graph),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_get_possible_keys", get_possible_keys),
    ("rasa.shared.core.domain", "Domain", "states_for_tracker_history", states_for_tracker_history),
    ("rasa.engine.runner.dask", "DaskGraphRunner", "run", graph_run),
]


def install() -> None:
    """Apply the patches once (idempotent)."""
    global _installed
    if _installed:
        return
    import rasa

    if not rasa.__version__.startswith("3.6."):
        logger.warning("bot.rasa_speedups: written for Rasa 3.6, found %s; not applied", rasa.__version__)
        return
    for module, cls_name, attribute, replacement in PATCHES:
        cls = getattr(importlib.import_module(module), cls_name)
        ORIGINALS[f"{cls_name}.{attribute}"] = getattr(cls, attribute)
        setattr(cls, attribute, replacement)
    _installed = True
