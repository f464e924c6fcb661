"""What a member reading every day would notice in the year's writing, counted: pieces that
echo each other (content-word overlap), and the stock moves an editor found over-used.
Shared by tests/test_content_style.py and anyone measuring the writing before and after.

Run `python tests/content_style.py [CONTENT_DIR]` for the figures.
"""

from __future__ import annotations

import calendar
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.platform.textfold import fold
from bot.readings.library import load_library
from bot.readings.reflections import load_reflections
from bot.readings.search import STOPWORDS, stem

_WORD = re.compile(r"[a-z][a-z']+")
MONTHS = [name.lower() for name in calendar.month_name[1:]]

# The stock moves, each a pattern over a piece's body (case-insensitive).
OF_US = re.compile(
    r"\b(?:many|some|plenty|most|few|several|all|each|both|none|any|lots|a lot|one|those"
    r"|the rest|two|three|more|fewer) of us\b",
    re.IGNORECASE,
)
IT_CAN_HELP = re.compile(
    r"\bit (?:can|could|may|might|often|usually|also) helps?\b|\bit helps\b", re.I
)
NOT_HAVE_TO = re.compile(r"\b(?:does not|doesn't|do not|don't) have to\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_SOME_START = re.compile(r"^(?:Some|Others|Other people|A few)\b")
TWO_PART_QUESTION = re.compile(r",\s+and\s+(?:what|how|who|where|when|which|why)\b", re.I)
DISCLAIMER = re.compile(
    r"\b(?:none of (?:this|it)|not everyone|many people mark|many of us mark|if you mark"
    r"|whether you mark)\b",
    re.I,
)


@dataclass(frozen=True)
class Piece:
    name: str
    body: str
    question: str | None  # a reflection's closing question; None for a library reading


def pieces(content: Path | None = None) -> list[Piece]:
    """Every English piece: the 366 reflections and the library's readings."""
    reflections = (
        load_reflections() if content is None else load_reflections(content / "reflections")
    )
    library = load_library() if content is None else load_library(content / "library")
    found = [Piece(f"reflection {k}", r.body, r.question) for k, r in reflections.items()]
    found += [Piece(f"reading {r.id}", r.body, None) for r in library.readings.values()]
    return sorted(found, key=lambda p: p.name)


def content_words(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS and len(w) > 2}


def overlaps(found: list[Piece]) -> list[tuple[float, str, str]]:
    """Every pair's content-word overlap (shared over all, Jaccard), highest first."""
    words = {p.name: content_words(p.body) for p in found}
    pairs = [
        (len(words[a] & words[b]) / len(words[a] | words[b]), a, b)
        for a, b in itertools.combinations(sorted(words), 2)
    ]
    return sorted(pairs, reverse=True)


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def some_some_paragraphs(body: str) -> int:
    """Paragraphs built as "Some do X. Some do Y. Others...": two sentences or more that
    start with Some, Others or A few."""
    return sum(
        sum(bool(_SOME_START.match(s)) for s in _SENTENCE.split(paragraph)) >= 2
        for paragraph in paragraphs(body)
    )


def opens_on_a_date(body: str) -> bool:
    first = _SENTENCE.split(paragraphs(body)[0])[0].lower()
    return any(re.search(rf"\b{month}\b", first) for month in MONTHS)


@dataclass(frozen=True)
class Counts:
    of_us: int
    pieces_leaning_on_of_us: int  # three times or more in one piece
    it_can_help: int
    not_have_to: int
    some_some_paragraphs: int
    two_part_questions: int
    is_there_questions: int
    date_openings: int
    date_openings_with_disclaimer: int


def counts(found: list[Piece]) -> Counts:
    of_us = [len(OF_US.findall(p.body)) for p in found]
    questions = [p.question for p in found if p.question is not None]
    dated = [p for p in found if p.question is not None and opens_on_a_date(p.body)]
    return Counts(
        of_us=sum(of_us),
        pieces_leaning_on_of_us=sum(n >= 3 for n in of_us),
        it_can_help=sum(len(IT_CAN_HELP.findall(p.body)) for p in found),
        not_have_to=sum(len(NOT_HAVE_TO.findall(p.body)) for p in found),
        some_some_paragraphs=sum(some_some_paragraphs(p.body) for p in found),
        two_part_questions=sum(bool(TWO_PART_QUESTION.search(q)) for q in questions),
        is_there_questions=sum(q.startswith("Is there") for q in questions),
        date_openings=len(dated),
        date_openings_with_disclaimer=sum(bool(DISCLAIMER.search(p.body)) for p in dated),
    )


def main() -> None:
    content = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    found = pieces(content)
    pairs = overlaps(found)
    print(f"{len(found)} pieces; closest pair {pairs[0][0]:.3f} ({pairs[0][1]}, {pairs[0][2]})")
    print(f"pairs above 0.2: {sum(p[0] > 0.2 for p in pairs)}")
    for name, value in vars(counts(found)).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
