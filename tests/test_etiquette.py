"""The crosstalk assessor: the labelled set's floors, strictness ordering, and crisis."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.etiquette import (
    REASONS,
    LexiconError,
    MeetingMessage,
    Strictness,
    Verdict,
    assess,
    load_lexicon,
)

LABELLED = Path(__file__).parent / "data" / "crosstalk_labelled.jsonl"
PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.85


def labelled() -> list[dict[str, Any]]:
    with LABELLED.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def message(row: dict[str, Any]) -> MeetingMessage:
    return MeetingMessage(
        text=row["text"],
        replies_to_member=row["reply_to_member"],
        mentions=tuple(row["mentions"]),
        author_is_running_meeting=row["author_role"] in ("chair", "admin"),
        someone_else_sharing=row["someone_else_sharing"],
        author_sharing=row["author_sharing"],
    )


def test_the_labelled_set_is_well_formed() -> None:
    rows = labelled()
    assert len(rows) >= 300
    assert {row["author_role"] for row in rows} == {"member", "chair", "admin"}
    for row in rows:
        if row["crosstalk"]:
            assert row["why"] in REASONS
    texts = [row["text"].strip().lower() for row in rows]
    assert len(texts) == len(set(texts)), "no duplicates"


def test_precision_and_recall_meet_the_floors_at_standard() -> None:
    rows = labelled()
    flagged = [(row, assess(message(row))) for row in rows]
    true_positive = sum(row["crosstalk"] and verdict.crosstalk for row, verdict in flagged)
    false_positive = [row for row, verdict in flagged if verdict.crosstalk and not row["crosstalk"]]
    missed = [row for row, verdict in flagged if row["crosstalk"] and not verdict.crosstalk]
    precision = true_positive / (true_positive + len(false_positive))
    recall = true_positive / (true_positive + len(missed))
    print(f"\ncrosstalk precision {precision:.3f}, recall {recall:.3f}")
    totals = Counter(row["why"] for row in rows)
    right = Counter(row["why"] for row, verdict in flagged if verdict.crosstalk == row["crosstalk"])
    for why in sorted(totals):
        kind = "recall" if why in REASONS else "left alone"
        print(f"  {why}: {kind} {right[why] / totals[why]:.3f} ({right[why]}/{totals[why]})")
    for row in false_positive:
        print(f"  flagged: {row['why']}: {row['text']}")
    for row in missed:
        print(f"  missed: {row['why']}: {row['text']}")
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def test_a_verdict_names_its_reason_only_when_it_is_crosstalk() -> None:
    for row in labelled():
        verdict = assess(message(row))
        assert (verdict.reason in REASONS) if verdict.crosstalk else verdict.reason == ""


def test_each_strictness_flags_everything_the_gentler_one_flags() -> None:
    for row in labelled():
        gentle, standard, strict = (assess(message(row), level).crosstalk for level in Strictness)
        assert not gentle or standard, row["text"]
        assert not standard or strict, row["text"]


def test_strictness_moves_the_line() -> None:
    rows = labelled()
    counts = {level: sum(assess(message(r), level).crosstalk for r in rows) for level in Strictness}
    assert counts[Strictness.GENTLE] < counts[Strictness.STANDARD] < counts[Strictness.STRICT]


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
def test_gentle_and_strict_on_named_cases(
    text: str, mentions: tuple[str, ...], reply: bool, gentle: bool, strict: bool
) -> None:
    said = MeetingMessage(text, replies_to_member=reply, mentions=mentions)
    assert assess(said, Strictness.GENTLE).crosstalk is gentle
    assert assess(said, Strictness.STRICT).crosstalk is strict


@pytest.mark.parametrize("strictness", list(Strictness))
def test_a_member_in_crisis_is_never_flagged(strictness: Strictness) -> None:
    crisis = [row for row in labelled() if row["why"] == "crisis"]
    assert len(crisis) >= 10
    for row in crisis:
        assert assess(message(row), strictness) == Verdict(False, ""), row["text"]
        # Even as a reply naming someone, from a member in someone else's share.
        as_reply = MeetingMessage(row["text"], replies_to_member=True, mentions=("@jo",))
        assert not assess(as_reply, strictness).crosstalk, row["text"]


@pytest.mark.parametrize("strictness", list(Strictness))
def test_the_chair_is_never_flagged(strictness: Strictness) -> None:
    said = MeetingMessage("Kez, you should wrap up now", author_is_running_meeting=True)
    assert not assess(said, strictness).crosstalk


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
def test_named_cases_at_standard(text: str, reply: bool, expected: Verdict) -> None:
    assert assess(MeetingMessage(text, replies_to_member=reply)) == expected


def test_a_malformed_lexicon_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "xx.toml"
    path.write_text('[[signal]]\nreason = "rudeness"\ncounts_from = "gentle"\npatterns = ["x"]\n')
    with pytest.raises(LexiconError, match="reason must be one of"):
        load_lexicon(path)
