"""The etiquette: its labelled sets, its floors in cross-validation grouped by batch, the
nesting of strictness, care and acknowledgements, the rules' own cases, and the shipped
classifier's pins."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.etiquette import (
    REASONS,
    LexiconError,
    MeetingMessage,
    Strictness,
    Verdict,
    assess_rules,
    judge,
    load_lexicon,
    load_shipped_etiquette,
)
from bot.etiquette.distress import DISTRESS_WINDOW, RecentDistress
from bot.etiquette.model import (
    ACKNOWLEDGING,
    CLASSIFIER_FILE,
    EtiquetteClassifier,
    Reading,
    Thresholds,
)
from bot.etiquette.reminded import RemindedOutsideMeetings
from bot.etiquette.rules import read_rules
from bot.etiquette.train import (
    DATA_DIR,
    PATTERN,
    Example,
    OutOfFold,
    by_language,
    by_why,
    cross_validate,
    load_examples,
)
from bot.etiquette.verdict import combine
from bot.platform.textfold import fold
from bot.safety.model import EncoderPin, ModelUnavailable, UniversalSentenceEncoder, Vectors

# Cross-validated at standard strictness, overall (classifier.md has every figure). The
# issue asked for 0.95 and 0.90; these are what the labelled sets honestly give.
# The issue asks for recall 0.90 at standard; what holds in cross-validation is 0.893
# (classifier.md), so the floor guards that, not the aim.
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.90
KINDS_LEFT_ALONE = {
    "own-experience",
    "identifying",
    "thanks",
    "chair",
    "logistics",
    "literature",
    "crisis",
    "generic-you",
    "care",
    "emoji",
}
FIELDS = {
    "text",
    "reply_to_member",
    "mentions",
    "author_role",
    "someone_else_sharing",
    "author_sharing",
    "crosstalk",
    "why",
}


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


@pytest.fixture(scope="module")
def vectors(examples: list[Example]) -> Vectors:
    return UniversalSentenceEncoder().encode([e.message.text for e in examples])


@pytest.fixture(scope="module")
def shipped() -> EtiquetteClassifier:
    classifier = load_shipped_etiquette()
    assert classifier is not None
    return classifier


@pytest.fixture(scope="module")
def out_of_fold(examples: list[Example], vectors: Vectors) -> OutOfFold:
    penalty = json.loads(CLASSIFIER_FILE.read_text(encoding="utf-8"))["penalty"]
    return cross_validate(examples, vectors, EncoderPin.of_installed(), penalty)


def test_every_labelled_batch_is_well_formed() -> None:
    batches = sorted(DATA_DIR.glob(PATTERN))
    assert len(batches) >= 5
    for path in batches:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        assert len(rows) >= 200, path.name
        assert {row["author_role"] for row in rows} == {"member", "chair", "admin"}, path.name
        for row in rows:
            assert set(row) >= FIELDS, (path.name, row["text"])
            assert row["why"] in (REASONS if row["crosstalk"] else KINDS_LEFT_ALONE), row
            assert row.get("language", "en") in ("en", "es")
        lines = [(row.get("language"), fold(row["text"]).strip()) for row in rows]
        assert [line for line, n in Counter(lines).items() if n > 1] == [], path.name


def test_every_relabelled_line_carries_its_new_label() -> None:
    """Labels changed to follow the policy (thanks, identifying and emoji are not
    crosstalk; commenting on someone's share is) are listed, with why, beside the data."""
    changes = [
        json.loads(line)
        for line in (DATA_DIR / "crosstalk_relabelled.jsonl").read_text("utf-8").splitlines()
    ]
    assert changes
    for change in changes:
        lines = (DATA_DIR / change["file"]).read_text(encoding="utf-8").splitlines()
        row = json.loads(lines[change["line"] - 1])
        assert row["text"] == change["text"]
        assert (row["crosstalk"], row["why"]) == (change["new_crosstalk"], change["new_why"])
        assert change["reason"]


def test_cross_validation_meets_the_floors_at_standard(
    examples: list[Example], out_of_fold: OutOfFold, shipped: EtiquetteClassifier
) -> None:
    for level in Strictness:
        said = out_of_fold.verdicts(shipped.thresholds, level)
        for language, found in by_language(examples, said).items():
            print(f"\n{level.name.lower()} {language}: {found}", end="")
    standard = out_of_fold.verdicts(shipped.thresholds, Strictness.STANDARD)
    print("\n" + "\n".join(by_why(examples, standard)))
    overall = by_language(examples, standard)["all"]
    assert overall.precision >= PRECISION_FLOOR
    assert overall.recall >= RECALL_FLOOR


def test_each_strictness_flags_everything_the_gentler_one_flags(
    examples: list[Example], vectors: Vectors, shipped: EtiquetteClassifier
) -> None:
    for example, vector in zip(examples, vectors, strict=True):
        gentle, standard, strict = (
            judge(example.message, level, shipped, vector) for level in Strictness
        )
        assert not gentle.crosstalk or standard.crosstalk, example.message.text
        assert not standard.crosstalk or strict.crosstalk, example.message.text
        # What may be deleted at one strictness may be deleted at the stricter ones.
        assert not (standard.crosstalk and strict.reminder_only), example.message.text


def test_strictness_moves_the_line(
    examples: list[Example], vectors: Vectors, shipped: EtiquetteClassifier
) -> None:
    counts = {
        level: sum(
            judge(e.message, level, shipped, v).crosstalk
            for e, v in zip(examples, vectors, strict=True)
        )
        for level in Strictness
    }
    assert counts[Strictness.GENTLE] < counts[Strictness.STANDARD] < counts[Strictness.STRICT]


def test_care_for_someone_in_distress_is_never_crosstalk(
    examples: list[Example], vectors: Vectors, shipped: EtiquetteClassifier
) -> None:
    care = [(e, v) for e, v in zip(examples, vectors, strict=True) if e.why == "care"]
    assert len(care) >= 100
    for example, vector in care:
        if example.message.someone_in_distress:
            for level in Strictness:
                assert not judge(example.message, level, shipped, vector).crosstalk, (
                    level,
                    example.message.text,
                )


CARE_WORDS = (
    "Sam, please put the pills in the other room and call 988 now",
    "are u safe rn? is anyone with you?",
    "you matter to every one of us. stay with us tonight",
    "¿estás a salvo? llama al 112 por favor, aquí seguimos",
    "no estás sola, escríbele a alguien de confianza ahora",
)
TALKING_THEM_OUT_OF_HELP = (
    "don't call the line, they'll just send the police round",
    "no llames a urgencias, te van a encerrar",
    "those lines only read from a script, get her to call a mate instead",
    "call your brother, not 988",
    "llamar a una ambulancia es exagerar, que hable con alguien y ya",
    "no hace falta llamar a nadie, mañana se le pasa",
)


@pytest.mark.parametrize("words", CARE_WORDS)
def test_care_phrases_are_left_alone_whatever_the_model_reads(words: str) -> None:
    """The rules' care phrases stand even where the model reads advice in them."""
    message = MeetingMessage(
        text=words, replies_to_member=True, mentions=("Sam",), someone_in_distress=True
    )
    rules = read_rules(message)
    assert rules.offers_care
    sure_it_is_advice = Reading(crosstalk=0.99, reason="advice", care=0.0, likeliest="advice")
    thresholds = Thresholds(gentle=0.5, standard=0.5, strict=0.5, care=0.5)
    for level in Strictness:
        assert not combine(message, level, rules, sure_it_is_advice, thresholds).crosstalk
    calm = MeetingMessage(text=words, replies_to_member=True, mentions=("Sam",))
    assert not read_rules(calm).offers_care, "care is read only while someone is in distress"


@pytest.mark.parametrize("words", TALKING_THEM_OUT_OF_HELP)
def test_talking_someone_out_of_help_is_not_care(words: str) -> None:
    message = MeetingMessage(text=words, replies_to_member=True, someone_in_distress=True)
    assert not read_rules(message).offers_care


def test_thanks_identifying_and_emoji_are_left_alone_until_strict_and_never_deleted(
    examples: list[Example], vectors: Vectors, shipped: EtiquetteClassifier
) -> None:
    acknowledging = [
        (e, v) for e, v in zip(examples, vectors, strict=True) if e.why in ACKNOWLEDGING
    ]
    assert len(acknowledging) >= 180
    for example, vector in acknowledging:
        for level in (Strictness.GENTLE, Strictness.STANDARD):
            assert not judge(example.message, level, shipped, vector).crosstalk, example.message
        strict = judge(example.message, Strictness.STRICT, shipped, vector)
        assert not strict.crosstalk or strict.reminder_only, example.message.text


@pytest.mark.parametrize("strictness", list(Strictness))
def test_a_member_in_crisis_is_never_flagged(
    examples: list[Example], vectors: Vectors, shipped: EtiquetteClassifier, strictness: Strictness
) -> None:
    crisis = [(e, v) for e, v in zip(examples, vectors, strict=True) if e.why == "crisis"]
    assert len(crisis) >= 10
    for example, vector in crisis:
        assert judge(example.message, strictness, shipped, vector) == Verdict(False, "")
        # Even as a reply naming someone, from a member in someone else's share.
        text = example.message.text
        as_reply = MeetingMessage(text, replies_to_member=True, mentions=("@jo",))
        assert not judge(as_reply, strictness, shipped, vector).crosstalk, text


@pytest.mark.parametrize("strictness", list(Strictness))
def test_the_chair_is_never_flagged(strictness: Strictness, shipped: EtiquetteClassifier) -> None:
    said = MeetingMessage("Kez, you should wrap up now", author_is_running_meeting=True)
    vector = np.zeros(512, dtype=np.float32)
    assert not judge(said, strictness, shipped, vector).crosstalk


OWN_STORIES = [
    "my dad and I had another row and I nearly picked up",
    "I've been struggling with my own dad this week, and I went for a long walk instead",
    "I relapsed last week and I'm scared, there's a bottle in the cupboard right now",
    "my husband came home drunk again and I slept at my mum's",
    "hoy estuve a punto de tomar otra vez, me fui a caminar y llamé a mi madrina",
]


@pytest.mark.parametrize("text", OWN_STORIES)
def test_a_story_of_ones_own_that_points_at_nobody_is_never_crosstalk(
    text: str, shipped: EtiquetteClassifier
) -> None:
    (vector,) = UniversalSentenceEncoder().encode([text])
    alone = MeetingMessage(text)
    for level in (Strictness.GENTLE, Strictness.STANDARD):
        assert not judge(alone, level, shipped, vector).crosstalk, level
        # Out of turn, while someone else shares: a reminder at most, never a deletion.
        during = MeetingMessage(text, someone_else_sharing=True)
        said = judge(during, level, shipped, vector)
        assert not said.crosstalk or said.reminder_only, level


def test_without_the_model_the_rules_judge_and_distress_leaves_everything_alone() -> None:
    advice = MeetingMessage("you should really get a sponsor")
    assert judge(advice, Strictness.STANDARD, None, None) == assess_rules(advice)
    assert judge(advice, Strictness.STANDARD, None, None).crosstalk
    worried = MeetingMessage("you should call the line right now", someone_in_distress=True)
    for level in Strictness:
        assert not judge(worried, level, None, None).crosstalk


def test_the_shipped_classifier_pins_the_installed_encoder(shipped: EtiquetteClassifier) -> None:
    shipped.encoder.check()
    assert set(REASONS) <= set(shipped.kinds)
    thresholds = shipped.thresholds
    assert thresholds.gentle >= thresholds.standard >= thresholds.strict


def test_a_changed_classifier_file_is_refused(tmp_path: Path) -> None:
    changed = tmp_path / "classifier.json"
    changed.write_text(CLASSIFIER_FILE.read_text(encoding="utf-8"))
    numbers = bytearray(CLASSIFIER_FILE.with_suffix(".npz").read_bytes())
    numbers[-1] ^= 1
    changed.with_suffix(".npz").write_bytes(bytes(numbers))
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        EtiquetteClassifier.load(changed)


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="out of order"):
        Thresholds(gentle=0.4, standard=0.6, strict=0.3, care=0.5)


async def test_distress_is_one_episode_while_it_keeps_coming() -> None:
    recent = RecentDistress()
    place, now = (-100, None), datetime(2027, 1, 5, 20, 0, tzinfo=UTC)
    assert await recent.note(place, now)
    assert not await recent.note(place, now + timedelta(minutes=10))
    assert await recent.within(place, now + timedelta(minutes=10) + DISTRESS_WINDOW)
    assert not await recent.within((-100, 7), now)
    await recent.sweep(now + timedelta(minutes=11) + DISTRESS_WINDOW)
    assert await recent.held() == 0
    assert await recent.note(place, now + timedelta(hours=1))
    assert await recent.note((-100, 7), now + timedelta(hours=1))
    assert await recent.note((-200, None), now + timedelta(hours=1))
    await recent.forget_chat(-100)  # every topic of that group, and no other group
    assert await recent.held() == 1


async def test_outside_meetings_a_member_is_reminded_once_a_day_in_each_place() -> None:
    reminded = RemindedOutsideMeetings()
    group, now = (-100, None), datetime(2027, 1, 5, 20, 0, tzinfo=UTC)
    assert await reminded.first_time(group, "reminded", 7, now)
    assert not await reminded.first_time(group, "reminded", 7, now + timedelta(hours=23))
    assert await reminded.first_time(group, "contact_reminded", 7, now)
    assert await reminded.first_time((-100, 5), "reminded", 7, now)  # another topic
    assert await reminded.first_time((-200, None), "reminded", 7, now)
    assert await reminded.first_time(group, "reminded", 8, now)
    assert await reminded.first_time(group, "reminded", 7, now + timedelta(days=1, minutes=1))
    await reminded.forget_member(7)
    assert await reminded.held() == 1
    assert await reminded.first_time((-200, None), "reminded", 8, now)
    await reminded.forget_chat(-100)
    assert await reminded.held() == 1  # the other group's
    await reminded.sweep(now + timedelta(days=2))
    assert await reminded.held() == 0


# --- the rules on their own ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mentions", "reply", "gentle", "strict"),
    [
        # Hedged advice and cross-sharing pass a gentle group; a strict one flags them.
        ("maybe try the thursday group, it's smaller", (), False, False, True),
        ("what Jo said about her dad got to me, mine was the same", ("Jo",), False, False, True),
        # Clear advice, inventory and corrections are flagged everywhere.
        ("you should really get a sponsor", (), False, True, True),
        ("that's your ego talking", (), False, True, True),
        ("that's not true, a relapse doesn't erase everything", (), False, True, True),
        # A reply that only identifies: gentle lets it through, strict does not.
        ("same here", (), True, False, True),
        # Thanks by name and "you" meaning "one": only a strict group flags them.
        ("thanks for sharing, Maria", ("Maria",), False, False, True),
        ("when you hide bottles for years you stay sneaky. that was me", (), False, False, True),
    ],
)
def test_the_rules_gentle_and_strict_on_named_cases(
    text: str, mentions: tuple[str, ...], reply: bool, gentle: bool, strict: bool
) -> None:
    said = MeetingMessage(text, replies_to_member=reply, mentions=mentions)
    assert assess_rules(said, Strictness.GENTLE).crosstalk is gentle
    assert assess_rules(said, Strictness.STRICT).crosstalk is strict


@pytest.mark.parametrize(
    ("text", "reply", "expected"),
    [
        ("thank you", True, Verdict(False, "")),
        ("I relate", False, Verdict(False, "")),
        ("'You are not the worst thing you ever did.' (the reading)", False, Verdict(False, "")),
        ("can you hear me? my mic keeps cutting out", False, Verdict(False, "")),
        ("have you tried a morning meeting?", False, Verdict(True, "advice")),
        ("you're in denial mate", False, Verdict(True, "inventory")),
        ("the last share made me angry, I made that excuse", False, Verdict(True, "cross-sharing")),
        ("wait so did you go back in the end?", True, Verdict(True, "reply-to-share")),
        ("you deserve good things", False, Verdict(True, "addressing")),
    ],
)
def test_the_rules_named_cases_at_standard(text: str, reply: bool, expected: Verdict) -> None:
    assert assess_rules(MeetingMessage(text, replies_to_member=reply)) == expected


def test_a_malformed_lexicon_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "xx.toml"
    path.write_text('[[signal]]\nreason = "rudeness"\ncounts_from = "gentle"\npatterns = ["x"]\n')
    with pytest.raises(LexiconError, match="reason must be one of"):
        load_lexicon(path)
