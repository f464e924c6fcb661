"""The README's figures come from the data: each number it gives for a labelled set, the
content or a classifier's cross-validation is worked out here from the files and must
appear in the README as written. A statement that stops being true fails here first."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CONTENT = ROOT / "bot" / "content"


def _rows(pattern: str) -> list[dict[str, str]]:
    return [
        json.loads(line)
        for path in sorted(DATA.glob(pattern))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _n(value: int) -> str:
    return f"{value:,}"


def _rows_named(path: Path, name: str) -> list[list[str]]:
    """Every markdown table row in path whose first cell is name, as its cells."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == name:
            found.append(cells)
    return found


def figures() -> Iterator[tuple[str, str]]:
    """(what, the text the README must contain)."""
    safety = _rows("safety_labelled*.jsonl")
    languages, labels = Counter(r["language"] for r in safety), Counter(r["label"] for r in safety)
    yield (
        "the crisis corpus",
        f"{_n(len(safety))} messages, {_n(languages['en'])} English and "
        f"{_n(languages['es'])} Spanish; {_n(labels['CRISIS'])} CRISIS, "
        f"{_n(labels['CONCERN'])} CONCERN, {_n(labels['NONE'])} NONE",
    )
    intents = _rows("intents_labelled*.jsonl")
    spoken = Counter(r["language"] for r in intents)
    yield (
        "the intent corpus",
        f"{_n(len(intents))} messages, {_n(spoken['en'])} English and {_n(spoken['es'])} Spanish",
    )
    # classifier.md's first "all" row is the rules alone, the second rules and model.
    _, both = _rows_named(CONTENT / "safety" / "classifier.md", "all")[:2]
    yield (
        "cross-validation, rules and model",
        f"| cross-validation, rules and model | {both[2]} | {both[3]} | {both[4]} | {both[6]} |",
    )
    intents_md = CONTENT / "intents" / "classifier.md"
    accuracy = {name: _rows_named(intents_md, name)[0][2] for name in ("all", "en", "es")}
    yield (
        "intent cross-validation",
        f"| cross-validation, three batches | {accuracy['all']} | {accuracy['en']} | "
        f"{accuracy['es']} |",
    )
    meetings = _rows("crosstalk_labelled*.jsonl")
    spoken = Counter(r.get("language", "en") for r in meetings)
    crosstalk = sum(1 for r in meetings if r["crosstalk"])
    yield (
        "the crosstalk corpus",
        f"{_n(len(meetings))} meeting messages, {_n(spoken['en'])} English and "
        f"{_n(spoken['es'])} Spanish, {_n(crosstalk)} of them crosstalk",
    )
    # classifier.md's "all" rows: rules and model at gentle, standard, strict, then the
    # rules alone at the same three.
    etiquette = _rows_named(CONTENT / "etiquette" / "classifier.md", "all")
    for name, row in zip(("gentle", "standard", "strict"), etiquette[:3], strict=True):
        yield (
            f"etiquette cross-validation, {name}",
            f"| cross-validation, rules and model, {name} | {row[1]} | {row[2]} |",
        )
    yield (
        "etiquette cross-validation, rules alone",
        f"| cross-validation, rules alone, standard | {etiquette[4][1]} | {etiquette[4][2]} |",
    )
    reflections = len(list((CONTENT / "reflections").glob("*.md")))
    yield "the reflections", f"{reflections} reflections"
    spanish = len(list((CONTENT / "reflections" / "es").glob("*.md")))
    yield "the reflections in Spanish", f"the same {spanish} in Spanish"
    readings = len(list((CONTENT / "library" / "readings").glob("*.md")))
    with (CONTENT / "library" / "topics.toml").open("rb") as handle:
        topics = len(tomllib.load(handle)["topic"])
    yield "the library", f"{readings} readings in {topics} topics"


README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("what", "expected"), list(figures()), ids=[w for w, _ in figures()])
def test_the_readme_gives_the_figure_the_data_gives(what: str, expected: str) -> None:
    flat = re.sub(r"\s+", " ", README)
    assert re.sub(r"\s+", " ", expected) in flat, f"{what}: the README should say {expected!r}"
