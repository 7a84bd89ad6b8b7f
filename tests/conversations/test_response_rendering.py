"""Domain responses render through Rasa's NLG without errors: button payloads that carry
entities (JSON braces) come out as valid payloads, and nothing is logged as a failed placeholder."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from rasa.core.nlg import interpolator
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from devstack.stack import ROOT

PAYLOAD = re.compile(r"^/\w+(?P<entities>\{.*\})?$")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def test_every_button_renders_without_interpolation_errors(domain, monkeypatch):
    failures = []
    monkeypatch.setattr(
        interpolator.structlogger, "exception", lambda *args, **kwargs: failures.append((args, kwargs))
    )
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    # a tracker with the slots the offer question fills, so every placeholder has a value
    tracker = DialogueStateTracker.from_dict("render-test", [], domain.slots)
    for slot in ("offer_title", "offer_description"):
        if slot in tracker.slots:
            tracker.slots[slot].value = "sample"
    rendered = 0
    for name, variants in domain.responses.items():
        if not any(variant.get("buttons") for variant in variants):
            continue
        message = asyncio.run(nlg.generate(name, tracker, "rest"))
        for button in message.get("buttons") or []:
            match = PAYLOAD.match(button["payload"])
            assert match, f"{name}: {button['payload']!r} is not an intent payload"
            if match["entities"]:
                assert isinstance(json.loads(match["entities"]), dict), button["payload"]
            rendered += 1
    assert rendered > 0
    assert failures == [], failures


def test_reason_buttons_carry_the_reason_entity(domain):
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = DialogueStateTracker.from_dict("render-test", [], domain.slots)
    message = asyncio.run(nlg.generate("utter_ask_reason", tracker, "rest"))
    payloads = {button["title"]: button["payload"] for button in message["buttons"]}
    assert payloads["Too expensive"] == '/give_reason{"reason":"price"}'
