"""Confirmation numbers: format, alphabet, check character."""

import re

import pytest

from backend import confirmation
from backend.confirmation import ALPHABET


def test_generated_numbers_have_the_contract_format():
    for _ in range(500):
        number = confirmation.generate()
        assert re.fullmatch(r"[23456789A-HJ-NP-Z]{4}-[23456789A-HJ-NP-Z]{4}-[23456789A-HJ-NP-Z]{4}", number)
        assert confirmation.is_valid(number)
        assert not set(number) & set("01OI")


@pytest.mark.parametrize("sample", range(40))
def test_every_single_character_substitution_is_detected(sample):
    number = confirmation.generate()
    compact = number.replace("-", "")
    for position in range(len(compact)):
        for char in ALPHABET:
            if char == compact[position]:
                continue
            typo = compact[:position] + char + compact[position + 1 :]
            assert not confirmation.is_valid(typo), (number, position, char)


def test_adjacent_transpositions_of_different_characters_are_mostly_detected():
    missed = total = 0
    for _ in range(200):
        compact = confirmation.generate().replace("-", "")
        for i in range(len(compact) - 1):
            if compact[i] != compact[i + 1]:
                total += 1
                swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
                missed += confirmation.is_valid(swapped)
    assert missed / total < 0.05


def test_input_is_accepted_in_lowercase_without_dashes_or_with_spaces():
    number = confirmation.generate()
    compact = number.replace("-", "")
    for variant in (
        compact.lower(),
        number.lower(),
        " ".join([compact[:4], compact[4:8], compact[8:]]),
        f" {number} ",
    ):
        assert confirmation.normalize(variant) == number
        assert confirmation.is_valid(variant)


@pytest.mark.parametrize(
    "text",
    ["", "ABCD-EFGH-JKL", "ABCD-EFGH-JKLMN", "ABCD-EFGH-JKL0", "ABCD-EFGH-JKLI", "ABCD_EFGH_JKLM", None, 123],
)
def test_malformed_input_does_not_normalise(text):
    assert confirmation.normalize(text) is None
    assert not confirmation.is_valid(text)
