"""The conversation suite over the whole stack (Rasa, action server, backend), issue 10.

Every conversation of the development part must end with the right result in the backend *and*
go without a misunderstanding, a repeated question or a wrong answer. The held-out part (written
first, never tuned on) is a measurement: its failures are reported (xfail with the transcript).
Results per class and part are printed at the end of the session (tests/talk/conftest.py).
"""

from __future__ import annotations

import os

import pytest

from tests.talk.conftest import RESULTS, all_conversations, is_held_out
from tests.talk.harness import run_conversation

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("conv", all_conversations(), ids=lambda c: f"{c['part']}-{c['id']}")
def test_conversation(talk_stack, conv):
    verdict = run_conversation(talk_stack, conv)
    RESULTS.append(
        {
            "part": conv["part"],
            "class": conv["class"],
            "outcome": verdict.outcome_ok,
            "smooth": verdict.smooth_ok,
        }
    )
    details = "\n".join(verdict.problems + ["--- transcript:"] + verdict.transcript)
    if is_held_out(conv["part"]) and not verdict.smooth_ok:
        # The held-out part measures; it is never tuned on (docs/nlu.md): its failures count in
        # the per-class table, and what went wrong is not printed (make test's -ra would show it
        # in every run's log) unless HELD_OUT_DETAILS=1 opens the part on purpose.
        shown = "; ".join(verdict.problems[:3]) if os.environ.get("HELD_OUT_DETAILS") == "1" else "not shown"
        pytest.xfail(f"held-out, not fully as expected ({shown})")
    assert verdict.smooth_ok, details
