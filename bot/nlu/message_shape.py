"""Rasa NLU component: corrections that depend on the shape of a message, not its words.

- A message with no letter or digit (only emoji or punctuation: "🤷", "??") is a
  misunderstanding (``nlu_fallback``), whatever the classifier guessed: the dialogue then
  counts it, and the second one in a row offers a person.
- A greeting (or thanks, goodbye) that carries an email, phone or account number ("hi,
  jo@x.example") is ``inform``: the details are used.
- A near tie between ``cancel_service`` and ``cancel_now`` (a bare "cancel") is not a
  misunderstanding: both start the cancellation; it is ``cancel_service``, the full flow.
- A long message that asks in so many words to cancel ("could you please cancel ...") is
  ``cancel_service`` whatever else it mentions (returning a modem, a past outage).
- A long message (over ``long_message_chars``) dilutes the bag-of-words features, so a clear
  request written in a paragraph can come out as out-of-scope or fallback. When the classifier's
  best in-scope intent is one of ``long_message_intents`` and the text says the request in so
  many words (``cancel``, ``close my account``, ...), that intent is used.

Placed after FallbackClassifier in config.yml; nothing is trained.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.untrained import UntrainedComponent
from contract.vocabulary.identifiers import find_identifier
from contract.vocabulary.requests import about_revoking

FALLBACK = "nlu_fallback"
MISREAD = ("out_of_scope", FALLBACK)
SAME_PLACE = {"cancel_service", "cancel_now"}
SMALL_TALK = ("greet", "thanks", "goodbye", "bot_challenge")
_ASKS_TO_CANCEL = re.compile(
    r"\b(please|could you|can you|would you|i want to|i'd like to|i would like to|i need to|"
    r"we need to|we want to|we'd like to|want to|need to|like to)\s+(\w+\s+){0,3}"
    r"(cancel|close|terminate|discontinue)\b",
    re.I,
)
# words of a message about a request already filed (its status; revoking it is
# `about_revoking`), not a new one
_ABOUT_A_REQUEST = re.compile(
    r"\bstatus\b|\bwent through\b|\balready (cancel|filed|request)|\bconfirmation (number|email)\b",
    re.I,
)
_REQUEST_WORDS = {
    "cancel_service": r"\b(cancel\w*|close (my|the|our) (account|service)|terminate|discontinue"
    r"|shut (it|my \w+) (down|off)|end (my|the|our) (service|subscription|contract))\b",
    "ask_refund": r"\brefund\w*\b",
    "check_status": r"\bstatus\b",
    "request_human": r"\b(human|person|agent|representative)\b",
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MessageShapeAdjuster(UntrainedComponent):
    """Emoji-only messages are misunderstandings; long clear requests keep their intent."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"long_message_chars": 250, "long_message_intents": list(_REQUEST_WORDS)}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.long_chars = int(config["long_message_chars"])
        self.patterns = {
            intent: re.compile(_REQUEST_WORDS[intent], re.I)
            for intent in config["long_message_intents"]
            if intent in _REQUEST_WORDS
        }

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._adjust(message)
        return messages

    def _adjust(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        if not text or text.startswith("/"):
            return
        if not re.search(r"[^\W_]", text):
            message.set(INTENT, {"name": FALLBACK, "confidence": 1.0}, add_to_output=True)
            return
        if intent.get("name") in SMALL_TALK and find_identifier(text):
            # "hi, jo@x.example": a message that carries account details is informing
            message.set(
                INTENT, {"name": "inform", "confidence": intent.get("confidence")}, add_to_output=True
            )
            return
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in MISREAD]
        if intent.get("name") == FALLBACK and {r.get("name") for r in ranking[:2]} == SAME_PLACE:
            best = next(r for r in ranking[:2] if r.get("name") == "cancel_service")
            message.set(
                INTENT, {"name": "cancel_service", "confidence": best.get("confidence")}, add_to_output=True
            )
            return
        if len(text) <= self.long_chars:
            return
        about_a_request = intent.get("name") in (
            "revoke_cancellation",
            "check_status",
        ) and bool(_ABOUT_A_REQUEST.search(text) or about_revoking(text))
        if (
            intent.get("name") not in ("cancel_service", "cancel_now")
            and not about_a_request
            and _ASKS_TO_CANCEL.search(text)
        ):
            # "... could you please cancel the business voice? We'll return the modem ...": the
            # request is the cancellation, the rest is context
            message.set(
                INTENT, {"name": "cancel_service", "confidence": intent.get("confidence")}, add_to_output=True
            )
            return
        if intent.get("name") not in MISREAD:
            return
        if ranking and ranking[0].get("name") in self.patterns:
            best = ranking[0]
            if self.patterns[best["name"]].search(text):
                message.set(
                    INTENT, {"name": best["name"], "confidence": best.get("confidence")}, add_to_output=True
                )
