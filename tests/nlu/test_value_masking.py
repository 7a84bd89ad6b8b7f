"""ValueMasker: confirmation and tracking numbers reach the classifier as fixed stand-ins, so
that the intent of "revoke <number>" does not depend on which number it is."""

import asyncio
import random

import pytest
from rasa.core.agent import Agent
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.value_masking import MASKED_TEXT, ValueMasker, masked
from contract.vocabulary.numbers import CONFIRMATION_ALPHABET


@pytest.mark.parametrize(
    "text, expected",
    [
        ("revoke YVP5-6882-3F87", "revoke ABCD-EFGH-JKLM"),
        ("status of yvp568823f87 please", "status of ABCD-EFGH-JKLM please"),
        ("tracking 1Z999AA10123456784 sent", "tracking 1Z999AA10123456784 sent"),
        ("9400 1118 9922 3344 5566 77", "1Z999AA10123456784"),
    ],
)
def test_values_become_their_stand_ins(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "end it on Dec 15 2027",
        "refund $1200 please",
        "it's jo.smith+x@mail.example.org",
        "call +1 (512) 555-0103",
        "account 1234 5678, zip 02139",
        "the code is 483920",
    ],
)
def test_other_values_are_read_as_written(text):
    assert masked(text) == text


def test_tokens_keep_their_text_and_get_the_stand_in_as_lemma():
    message = Message(data={TEXT: "please revoke YVP5-6882-3F87 now"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    ValueMasker.create({}, None, None, None).process([message])  # type: ignore[arg-type]
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.text for t in tokens] == ["please", "revoke", "YVP5-6882-3F87", "now"]
    assert [t.lemma for t in tokens] == ["please", "revoke", "abcd-efgh-jklm", "now"]
    assert message.get(MASKED_TEXT) == "please revoke ABCD-EFGH-JKLM now"


def _number(rng: random.Random) -> str:
    return "-".join("".join(rng.choice(CONFIRMATION_ALPHABET) for _ in range(4)) for _ in range(3))


def test_the_intent_does_not_depend_on_which_number_is_typed(trained_model):
    """Before the masker, "revoke <number>" came out as revoke_cancellation for 6 of 40 random
    numbers (31 misunderstood, 1 cancel_service): a conversation test failed in CI on one."""
    agent = Agent.load(str(trained_model))
    rng = random.Random(7)

    async def intents(template: str) -> set:
        found = set()
        for _ in range(15):
            parsed = await agent.parse_message(template.format(n=_number(rng)))
            found.add(parsed["intent"]["name"])
        return found

    assert asyncio.run(intents("revoke {n}")) == {"revoke_cancellation"}
    assert asyncio.run(intents("undo {n}")) == {"revoke_cancellation"}
    assert asyncio.run(intents("status of {n}")) == {"check_status"}
    assert asyncio.run(intents("{n}")) == {"inform"}
