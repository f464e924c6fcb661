"""The private chat's intent classifier: its labelled data, its floor in grouped
cross-validation, and the shipped file's hashes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.intents import INTENTS_FILE, Intent, IntentClassifier
from bot.intents.train import (
    ACCURACY_FLOOR,
    REGULARISATIONS,
    Example,
    accuracy_by_language,
    cross_validate,
    load_examples,
)
from bot.platform.textfold import fold
from bot.safety.model import EncoderPin, ModelUnavailable, UniversalSentenceEncoder


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


def test_every_intent_has_examples_in_both_languages_from_several_hands(
    examples: list[Example],
) -> None:
    assert len({example.batch for example in examples}) >= 3
    for language in ("en", "es"):
        found = Counter(e.intent for e in examples if e.language == language)
        assert all(found[intent] >= 40 for intent in Intent), (language, found)


def test_cross_validation_meets_the_floor_in_each_language(examples: list[Example]) -> None:
    shipped = json.loads(INTENTS_FILE.read_text(encoding="utf-8"))["regularisation"]
    assert shipped in REGULARISATIONS
    vectors = UniversalSentenceEncoder().encode([example.text for example in examples])
    read = cross_validate(examples, vectors, EncoderPin.of_installed(), shipped)
    for language, accuracy in accuracy_by_language(examples, read).items():
        assert accuracy >= ACCURACY_FLOOR, (language, accuracy)


def test_no_batch_repeats_a_line_in_one_language(examples: list[Example]) -> None:
    # ("menu" and "menú" fold alike, but one is English and one Spanish.)
    for batch in {example.batch for example in examples}:
        lines = [(e.language, fold(e.text).strip()) for e in examples if e.batch == batch]
        assert [line for line, n in Counter(lines).items() if n > 1] == [], batch


def test_the_shipped_classifier_pins_the_installed_encoder() -> None:
    classifier = IntentClassifier.load()
    classifier.encoder.check()
    assert classifier.intents == tuple(Intent)


def test_a_changed_classifier_file_is_refused(tmp_path: Path) -> None:
    changed = tmp_path / "classifier.json"
    changed.write_text(INTENTS_FILE.read_text(encoding="utf-8"))
    numbers = bytearray(INTENTS_FILE.with_suffix(".npz").read_bytes())
    numbers[-1] ^= 1
    changed.with_suffix(".npz").write_bytes(bytes(numbers))
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        IntentClassifier.load(changed)
