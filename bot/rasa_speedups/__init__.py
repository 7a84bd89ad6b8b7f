"""Speed fixes for Rasa Open Source that change no behaviour, written against one exact Rasa
release (``PINNED_RASA``, the pin of ``pyproject.toml``) and installed explicitly at start-up
by ``bot.rasa_server`` (the launcher the Procfile, ``make shell`` and the tests start Rasa with).

Each module holds the replacement of one area, with what it fixes and how it was measured
(docs/performance.md): ``action_calls`` (answer validation) and ``nlu`` (button payloads).
``GROUPS`` names the patches by what they fix; ``python -m bench --ab`` measures each group
against the same load without it, and only groups whose gain exceeded the run-to-run noise are
here (the kept-alive action-server session, the rule lookup, the dialogue states, the graph
runner without dask and the event class cache did not, and were removed). ``ORIGINALS`` keeps
Rasa's functions (the replacements call them; the tests compare with them).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.rasa_speedups.action_calls import validate_action_result
from bot.rasa_speedups.nlu import parse_message_with_graph
from bot.rasa_speedups.originals import ORIGINALS

logger = logging.getLogger(__name__)

# The Rasa release these patches were written and checked against (pyproject.toml pins it; a
# test keeps the two equal). Any other release gets no patch: private members may differ.
PINNED_RASA = "3.6.21"

Patch = Tuple[str, str, str, Any]  # (module, class, attribute, replacement)

# Every patch group (docs/performance.md numbers the fixes): group -> its patches.
GROUPS: Dict[str, List[Patch]] = {
    # fixes 1 and 11: one compiled validator, events checked against their own kind
    "validation": [
        ("rasa.core.actions.action", "RemoteAction", "_validate_action_result", validate_action_result)
    ],
    # fix 12: button payloads unpacked without running the NLU graph
    "payloads": [
        ("rasa.core.processor", "MessageProcessor", "_parse_message_with_graph", parse_message_with_graph)
    ],
}

# What the launcher installs: every group above (each exceeded the noise, docs/performance.md).
KEPT: Tuple[str, ...] = tuple(GROUPS)

_installed: List[str] = []


def installed_rasa_version() -> Optional[str]:
    """The version of the installed ``rasa`` distribution (None when not installed)."""
    try:
        return importlib.metadata.version("rasa")
    except importlib.metadata.PackageNotFoundError:
        return None


def install(groups: Iterable[str] = KEPT, version: Optional[str] = None) -> List[str]:
    """Apply the patches of ``groups`` (idempotent) when the installed Rasa is exactly
    ``PINNED_RASA``; otherwise apply none and log a warning. Returns the groups now installed."""
    wanted = list(groups)
    unknown = [name for name in wanted if name not in GROUPS]
    if unknown:
        raise ValueError(f"unknown patch groups {unknown}; known: {', '.join(GROUPS)}")
    found = version if version is not None else installed_rasa_version()
    if found != PINNED_RASA:
        logger.warning(
            "bot.rasa_speedups: written for Rasa %s, found %s; no speed patch applied", PINNED_RASA, found
        )
        return list(_installed)
    for name in wanted:
        if name in _installed:
            continue
        for module, cls_name, attribute, replacement in GROUPS[name]:
            cls = getattr(importlib.import_module(module), cls_name)
            ORIGINALS.setdefault(f"{cls_name}.{attribute}", getattr(cls, attribute))
            setattr(cls, attribute, replacement)
        _installed.append(name)
    return list(_installed)


def installed() -> List[str]:
    """The groups installed in this process."""
    return list(_installed)
