"""Rasa NLU component: the classifier reads confirmation and tracking numbers as one fixed
stand-in each.

A confirmation number is different in every conversation. Read as it is, its characters are
noise to the intent classifier: the character n-grams of a random number decided whether
"revoke YVP5-6882-3F87" came out as ``revoke_cancellation`` (6 of 40 random numbers),
``cancel_service`` or a misunderstanding (docs/nlu.md, "Numbers as stand-ins"). This component
runs right after the tokenizer and gives each token inside such a number the stand-in's text as
its *lemma* (read by CountVectorsFeaturizer, whose ``use_lemma`` is on by default), and stores the
message text with the numbers replaced (read by the sentence embedding featurizer). Token texts,
and so the entity extractors and the values the actions receive, are unchanged. Nothing is
trained.

Emails, phone and account numbers, ZIPs and PINs are read as written: masked too, they made
"name@example.com" a marker of ``inform`` (9 of the 10 training examples with an email are
``inform``), and five conversations that ask to cancel or for a refund and give an email in the
same message were then misread.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.untrained import UntrainedComponent
from contract.vocabulary.numbers import confirmation_spans, tracking_spans

# The message text with the values replaced: what SentenceEmbeddingFeaturizer embeds.
MASKED_TEXT = "masked_text"

# One fixed stand-in per kind of number, shaped like the real thing.
STAND_INS = {
    "confirmation_number": "ABCD-EFGH-JKLM",
    "tracking_number": "1Z999AA10123456784",
}


def value_spans(text: str) -> List[Tuple[str, int, int]]:
    """(stand-in, start, end) of each confirmation or tracking number in ``text``, in order and
    without overlaps."""
    found = [(STAND_INS["confirmation_number"], s, e) for _, s, e in confirmation_spans(text)]
    found += [(STAND_INS["tracking_number"], s, e) for _, s, e in tracking_spans(text)]
    spans: List[Tuple[str, int, int]] = []
    for stand_in, start, end in sorted(found, key=lambda span: (span[1], -span[2])):
        if not spans or start >= spans[-1][2]:
            spans.append((stand_in, start, end))
    return spans


def masked(text: str) -> str:
    """``text`` with each value replaced by its stand-in."""
    for stand_in, start, end in reversed(value_spans(text)):
        text = text[:start] + stand_in + text[end:]
    return text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ValueMasker(UntrainedComponent):
    """Gives the tokens of confirmation and tracking numbers a fixed stand-in as their lemma."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def _mask(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text or text.startswith("/"):
            return
        spans = value_spans(text)
        if not spans:
            return
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            for stand_in, start, end in spans:
                if token.start < end and token.end > start:
                    token.lemma = stand_in.lower()
                    break
        message.set(MASKED_TEXT, masked(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._mask(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._mask(message)
        return messages
