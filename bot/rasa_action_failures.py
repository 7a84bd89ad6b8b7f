"""An action server that cannot be reached (stopped, crashed, timed out, answering 5xx) gives the
customer a clear message instead of silence.

Rasa 3.6's ``RemoteAction.run`` raises on such failures and the processor then logs the error
and carries on without a word to the customer. ``install()`` (called at start-up by
``bot/rasa_server.py``, the launcher Rasa is started with) wraps it: a failure becomes one ``BotUttered`` with
``ACTION_FAILED_TEXT``. A rejection (``ActionExecutionRejection``, a form that refuses to run)
is not a failure and goes through unchanged. The wording stays honest when the failure happened
while a cancellation was being filed: a confirmed cancellation is filed again with the same
idempotency key when the customer says "yes" (``actions.cancel_flow.ActionAffirmOutsideForm``),
which answers with the request already filed or files it now.
"""

from __future__ import annotations

import logging
from typing import Any, List

logger = logging.getLogger(__name__)

ACTION_FAILED_TEXT = (
    "Sorry, part of our system isn't answering right now, so I couldn't finish that. "
    "Nothing is confirmed until I give you a confirmation number. Please try again in a minute; "
    'if you had just confirmed a cancellation, say "yes" and I\'ll check whether it went through.'
)
_installed = False


def install() -> None:
    """Wrap ``RemoteAction.run`` once (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    original = RemoteAction.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - every failure gets an answer
            logger.error("custom action %s failed: %s", self.name(), type(error).__name__)
            return [BotUttered(ACTION_FAILED_TEXT, metadata={"action_failed": self.name()})]

    run.__wrapped__ = original  # type: ignore[attr-defined]
    RemoteAction.run = run
    _installed = True
