"""The crisis assessor: the labelled set's floors, the named hard cases, and the lexicon."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.safety import Level, LexiconError, assess, load_lexicon

# The batches the rules were written from; later batches measure the learned layer.
LABELLED = sorted((Path(__file__).parent / "data").glob("safety_labelled*.jsonl"))[:3]
CRISIS_RECALL_FLOOR = 0.97
NONE_TO_CRISIS_CEILING = 0.05


def labelled() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in LABELLED:
        with path.open(encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle if line.strip()]
    return rows


def test_the_labelled_set_is_big_enough_and_well_formed() -> None:
    rows = labelled()
    assert len(LABELLED) >= 2
    assert len(rows) >= 300
    counts = Counter(row["label"] for row in rows)
    assert counts["CRISIS"] >= 100
    assert counts["NONE"] >= 100
    assert counts["CONCERN"] >= 50
    assert {row["language"] for row in rows} == {"en", "es"}
    texts = [row["text"].strip().lower() for row in rows]
    assert len(texts) == len(set(texts)), "no duplicates"


def test_crisis_recall_and_false_alarms_meet_the_floors() -> None:
    rows = labelled()
    crisis = [row for row in rows if row["label"] == "CRISIS"]
    calm = [row for row in rows if row["label"] == "NONE"]
    missed = [r for r in crisis if assess(r["text"], r["language"]).level is not Level.CRISIS]
    raised = [r for r in calm if assess(r["text"], r["language"]).level is Level.CRISIS]
    recall = 1 - len(missed) / len(crisis)
    false_alarms = len(raised) / len(calm)
    print(
        f"\ncrisis recall {recall:.3f} ({len(crisis) - len(missed)}/{len(crisis)}); "
        f"NONE raised to CRISIS {false_alarms:.3f} ({len(raised)}/{len(calm)})"
    )
    for row in missed:
        print(f"  missed: {row['language']} {row['kind']}: {row['text']}")
    for row in raised:
        print(f"  raised: {row['language']} {row['kind']}: {row['text']}")
    assert recall >= CRISIS_RECALL_FLOOR
    assert false_alarms <= NONE_TO_CRISIS_CEILING


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_language_meets_the_floors_on_its_own(language: str) -> None:
    rows = [row for row in labelled() if row["language"] == language]
    crisis = [r for r in rows if r["label"] == "CRISIS"]
    calm = [r for r in rows if r["label"] == "NONE"]
    hit = sum(assess(r["text"], language).level is Level.CRISIS for r in crisis)
    raised = sum(assess(r["text"], language).level is Level.CRISIS for r in calm)
    print(
        f"\n{language}: crisis recall {hit / len(crisis):.3f}, NONE raised {raised / len(calm):.3f}"
    )
    assert hit / len(crisis) >= CRISIS_RECALL_FLOOR
    assert raised / len(calm) <= NONE_TO_CRISIS_CEILING


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
        ("I'm not suicidal", Level.NONE),
        ("ten years ago I wanted to die", Level.NONE),
        ("our topic tonight is suicide prevention", Level.NONE),
        ("quiero morirme", Level.CRISIS),
        ("me muero de hambre", Level.NONE),
    ],
)
def test_the_cases_the_issue_names(text: str, level: Level) -> None:
    assert assess(text).level is level


def test_overdose_is_recognised_as_such() -> None:
    assert assess("my friend took too much and won't wake up").is_overdose
    assert not assess("I want to die").is_overdose


def test_reasons_name_the_rules() -> None:
    verdict = assess("I'm not suicidal, I just can't sleep")
    assert verdict.level is Level.CONCERN
    assert "negated:suicidal" in verdict.reasons


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
