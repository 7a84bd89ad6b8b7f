"""Start Rasa with this project's changes to Rasa installed first: ``python -m bot.rasa_server
run --enable-api ...`` takes any ``rasa`` command line (the Procfile, ``make shell`` and the test
and benchmark stacks start Rasa this way; a plain ``rasa run`` gets none of them and the tracker
store says so in a warning).

Installed before Rasa's command line runs:

* the speed patches of ``bot.rasa_speedups`` that were kept (``KEPT``), only on the exact Rasa
  release they were written for (``PINNED_RASA``; any other: a warning and no patch);
  ``RASA_SPEEDUPS_OFF`` (comma-separated group names, or ``all``) leaves groups out, for the
  benchmark's A/B (``python -m bench --ab``) and for ruling them out when chasing a fault;
* the answer to the customer when the action server fails (``bot.rasa_action_failures``).
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

from bot import rasa_action_failures, rasa_speedups

_started = False


def speedups_left_out(value: Optional[str] = None) -> List[str]:
    """The patch groups ``RASA_SPEEDUPS_OFF`` leaves out (``all``: every group)."""
    raw = os.environ.get("RASA_SPEEDUPS_OFF", "") if value is None else value
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if "all" in names:
        return list(rasa_speedups.GROUPS)
    unknown = [name for name in names if name not in rasa_speedups.GROUPS]
    if unknown:
        raise SystemExit(
            f"RASA_SPEEDUPS_OFF names unknown patch groups {unknown}; known: {', '.join(rasa_speedups.GROUPS)}"
        )
    return names


def install() -> List[str]:
    """Install the kept speed patches (less those left out) and the action-failure answer;
    return the speed patch groups installed. Called once at start-up, before Rasa runs."""
    global _started
    off = speedups_left_out()
    groups = rasa_speedups.install([name for name in rasa_speedups.KEPT if name not in off])
    rasa_action_failures.install()
    _started = True
    # Rasa configures logging only later, in its own main: say it on stderr now.
    left_out = f" (left out: {', '.join(off)})" if off else ""
    sys.stderr.write(
        f"bot.rasa_server: Rasa {rasa_speedups.installed_rasa_version()}, speed patches: "
        f"{', '.join(groups) or 'none'}{left_out}\n"
    )
    return groups


def started() -> bool:
    """True in a process started through this launcher (``install`` ran)."""
    return _started


def main(argv: Optional[List[str]] = None) -> None:
    """Install, then run Rasa's command line with ``argv`` (default: this process's)."""
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


def exit_at_once() -> None:
    """End the process as soon as Rasa's command has returned (its server stopped, its
    resources closed), with logs and output flushed. Python's own teardown would then spend
    seconds garbage-collecting TensorFlow's and the embedding model's objects, longer than the
    Procfile runner waits after Ctrl-C before it kills a process (honcho: 5 s)."""
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    # by its module name, so that what ``install`` records is what the tracker store reads
    from bot import rasa_server

    rasa_server.main()
    rasa_server.exit_at_once()
