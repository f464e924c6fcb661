"""The crisis assessor: the labelled corpus, the floors in grouped cross-validation, the
named hard cases, the shipped model's pin, and the rules' lexicon."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.platform.textfold import fold
from bot.safety import Level, LexiconError, assess, load_lexicon
from bot.safety.model import (
    CLASSIFIER_FILE,
    Classifier,
    EncoderPin,
    ModelUnavailable,
    UniversalSentenceEncoder,
)
from bot.safety.train import (
    CRISIS_AT_LEAST_CONCERN_FLOOR,
    CRISIS_RECALL_FLOOR,
    NONE_TO_CRISIS_CEILING,
    Example,
    OutOfFold,
    cross_validate,
    figures_by_language,
    load_examples,
)


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


@pytest.fixture(scope="module")
def out_of_fold(examples: list[Example]) -> OutOfFold:
    return cross_validate(examples, UniversalSentenceEncoder(), EncoderPin.of_installed())


def test_the_corpus_is_big_varied_and_free_of_duplicates(examples: list[Example]) -> None:
    labels = Counter(example.label for example in examples)
    assert len(examples) >= 3000
    assert labels[Level.CRISIS] >= 1200
    assert labels[Level.CONCERN] >= 600
    assert labels[Level.NONE] >= 1200
    assert sum(example.language == "es" for example in examples) >= 800
    # Written by several hands: cross-validation holds out one batch at a time.
    assert len({example.batch for example in examples}) >= 8
    folded = [" ".join(fold(example.text).split()) for example in examples]
    repeated = [text for text, count in Counter(folded).items() if count > 1]
    assert repeated == [], "no message twice"


def test_cross_validation_meets_the_floors_overall_and_per_language(
    out_of_fold: OutOfFold,
) -> None:
    thresholds = Classifier.load().thresholds
    by_language = figures_by_language(out_of_fold.examples, out_of_fold.verdicts(thresholds))
    for name, found in by_language.items():
        print(
            f"\n{name}: CRISIS recall {found.crisis_recall:.3f}, at least CONCERN "
            f"{found.crisis_at_least_concern:.3f}, NONE raised to CRISIS "
            f"{found.none_to_crisis:.3f}"
        )
    for name, found in by_language.items():
        assert found.crisis_recall >= CRISIS_RECALL_FLOOR, name
        assert found.crisis_at_least_concern >= CRISIS_AT_LEAST_CONCERN_FLOOR, name
        assert found.none_to_crisis <= NONE_TO_CRISIS_CEILING, name


def test_the_model_adds_what_the_rules_miss(out_of_fold: OutOfFold) -> None:
    """Both layers earn their place: the combined reading beats the rules alone."""
    rules = figures_by_language(out_of_fold.examples, out_of_fold.verdicts(None))["all"]
    thresholds = Classifier.load().thresholds
    both = figures_by_language(out_of_fold.examples, out_of_fold.verdicts(thresholds))["all"]
    assert both.crisis_recall > rules.crisis_recall


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I won't be around much longer", Level.CRISIS),
        ("everyone would be better off without me", Level.CRISIS),
        ("he's not breathing", Level.CRISIS),
        ("she's turning blue", Level.CRISIS),
        ("I think I took too much", Level.CRISIS),
        ("this craving is killing me", Level.CONCERN),
        ("I killed it at work today", Level.NONE),
        ("my phone died", Level.NONE),
        ("I'd kill for a coffee", Level.NONE),
        ("our topic tonight is suicide prevention", Level.NONE),
        ("quiero morirme", Level.CRISIS),
        ("me muero de hambre", Level.NONE),
    ],
)
def test_the_cases_the_first_issue_named(text: str, level: Level) -> None:
    assert assess(text).level is level


@pytest.mark.parametrize(
    "text",
    ["I'm not suicidal", "I'm not going to kill myself", "no quiero morir", "no me voy a matar"],
)
def test_a_negation_is_never_a_crisis(text: str) -> None:
    # The model may still ask gently (a concern): someone raised the word unprompted.
    assert assess(text).level is not Level.CRISIS


def test_one_negated_sentence_does_not_undo_the_rest_of_a_message() -> None:
    text = "I'm holding the razor right now. I don't want to use drugs so I'll use this instead"
    assert assess(text).level is Level.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        # Missed by the rules alone, measured on an unseen batch.
        "I just took like 40 of my sleeping pills",
        "I'm in the bathroom with a razor",
        "I've got a gun in the drawer and I keep looking at it",
        # Spanish from a member whose Telegram is in English: every layer runs for everyone.
        "quiero morir",
    ],
)
def test_words_no_rule_was_written_for_are_a_crisis(text: str) -> None:
    assert assess(text).level is Level.CRISIS


def test_right_after_a_crisis_an_unsure_reading_counts_as_one() -> None:
    assert assess("what's the point of anything").level is Level.CONCERN
    assert assess("what's the point of anything", after_crisis=True).level is Level.CRISIS
    calmer = assess("thank you, I'm going to call them now", after_crisis=True)
    assert calmer.level is not Level.CRISIS


def test_overdose_is_recognised_as_such() -> None:
    assert assess("my friend took too much and won't wake up").is_overdose
    assert not assess("I want to die").is_overdose


def test_reasons_name_the_rules() -> None:
    verdict = assess("I'm not suicidal, I just can't sleep")
    assert verdict.level is Level.CONCERN
    assert "negated:suicidal" in verdict.reasons


def test_the_shipped_classifier_pins_the_installed_encoder() -> None:
    classifier = Classifier.load()
    classifier.encoder.check()
    assert classifier.encoder.files, "the pin names the encoder's files"
    assert all(len(digest) == 64 for digest in classifier.encoder.files.values())


def test_a_changed_encoder_or_classifier_is_refused(tmp_path: Path) -> None:
    data = json.loads(CLASSIFIER_FILE.read_text())
    path, digest = next(iter(data["encoder"]["files"].items()))
    data["encoder"]["files"][path] = "0" * 64
    changed = tmp_path / "classifier.json"
    numbers = CLASSIFIER_FILE.with_suffix(".npz").read_bytes()
    changed.with_suffix(".npz").write_bytes(numbers)
    changed.write_text(json.dumps(data))
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        Classifier.load(changed).encoder.check()
    data["encoder"]["files"][path] = digest
    data["encoder"]["version"] = "0.0.1"
    changed.write_text(json.dumps(data))
    with pytest.raises(ModelUnavailable, match=r"trained on 0\.0\.1"):
        Classifier.load(changed).encoder.check()
    data["encoder"]["version"] = "0.2.1"
    changed.write_text(json.dumps(data))
    changed.with_suffix(".npz").write_bytes(numbers[:-1] + bytes([numbers[-1] ^ 1]))
    with pytest.raises(ModelUnavailable, match="does not match its SHA-256"):
        Classifier.load(changed)
    changed.write_text("{not json")
    with pytest.raises(ModelUnavailable, match="cannot be read"):
        Classifier.load(changed)


def test_a_malformed_lexicon_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "xx.toml"
    broken.write_text('[[rule]]\nid = "a"\nlevel = "crisis"\npatterns = ["(unclosed"]\n')
    with pytest.raises(LexiconError, match="rule a"):
        load_lexicon(broken)
    broken.write_text('[[rule]]\nid = "a"\nlevel = "crisis"\npatterns = ["%nope%"]\n')
    with pytest.raises(LexiconError, match="unknown fragment"):
        load_lexicon(broken)
    broken.write_text('[[rule]]\nid = "a"\nlevel = "loud"\npatterns = ["x"]\n')
    with pytest.raises(LexiconError, match="level"):
        load_lexicon(broken)
