"""What a member reading every day would notice in the year's writing, counted: pieces that
echo each other (content-word overlap), and the stock moves an editor found over-used.
Shared by tests/test_content_style.py and anyone measuring the writing before and after.

Run `python tests/content_style.py [CONTENT_DIR]` for the figures.
"""

from __future__ import annotations

import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.platform.catalog import Catalog
from bot.platform.textfold import fold
from bot.readings.library import load_library
from bot.readings.reflections import SOURCE_LANGUAGE, load_year
from bot.readings.search import STOPWORDS, stem

CATALOG = Catalog.load()
_WORD = re.compile(r"[a-z][a-z']+")
# A sentence ends at . ! or ?, or just after a closing quote or bracket that follows one.
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’»)]))\s+")


@dataclass(frozen=True)
class Moves:
    """The stock moves in one language, each a pattern over a piece's body or question."""

    of_us: re.Pattern[str]
    it_can_help: re.Pattern[str]
    not_have_to: re.Pattern[str]
    some_start: re.Pattern[str]  # a sentence opening "Some ...", "Others ..."
    two_part_question: re.Pattern[str]
    is_there_question: re.Pattern[str]
    months: tuple[str, ...]  # as written mid-sentence
    disclaimer: re.Pattern[str]


ENGLISH = Moves(
    of_us=re.compile(
        r"\b(?:many|some|plenty|most|few|several|all|each|both|none|any|lots|a lot|one|those"
        r"|the rest|two|three|more|fewer) of us\b",
        re.I,
    ),
    it_can_help=re.compile(
        r"\bit (?:can|could|may|might|often|usually|also) helps?\b|\bit helps\b", re.I
    ),
    not_have_to=re.compile(r"\b(?:does not|doesn't|do not|don't) have to\b", re.I),
    some_start=re.compile(r"^(?:Some|Others|Other people|A few)\b"),
    two_part_question=re.compile(r",\s+and\s+(?:what|how|who|where|when|which|why)\b", re.I),
    is_there_question=re.compile(r"^Is there\b"),
    months=tuple(CATALOG.text("reflections.months", "en").split()),
    disclaimer=re.compile(
        r"\b(?:none of (?:this|it)|not everyone|many people mark|many of us mark|if you mark"
        r"|whether you mark)\b",
        re.I,
    ),
)
# The same moves as the Spanish translations make them.
SPANISH = Moves(
    of_us=re.compile(
        r"\b(?:muchos|muchas|algunos|algunas|varios|varias|pocos|pocas|todos|todas|ambos"
        r"|ninguno|ninguna|cada uno|cada una|la mayor[ií]a|los dem[aá]s|las dem[aá]s"
        r"|quienes|aquellos|aquellas|uno|una|dos|tres|m[aá]s|bastantes) de nosotr[oa]s\b"
        # "a muchos nos pasó", "algunos hemos", "muchos nos volvimos": the same move
        r"|\b(?:a )?(?:muchos|muchas|algunos|algunas|pocos|pocas|varios|varias|la mayor[ií]a)"
        r" (?:nos|hemos)\b",
        re.I,
    ),
    it_can_help=re.compile(
        r"\b(?:puede|podr[ií]a|suele|tambi[eé]n) (?:que )?(?:nos |te |le |les )?ayud(?:ar|e)\b"
        r"|\bayuda a veces\b",
        re.I,
    ),
    not_have_to=re.compile(r"\bno (?:tienes|tiene|tenemos|tienen) (?:que|por qu[eé])\b", re.I),
    some_start=re.compile(r"^(?:Algun[oa]s|Otr[oa]s|Unos pocos|Unas pocas|Hay quien(?:es)?)\b"),
    two_part_question=re.compile(
        r",\s+y\s+(?:qu[eé]|c[oó]mo|qui[eé]n|d[oó]nde|cu[aá]ndo|cu[aá]l|por qu[eé])\b|\?\s*¿",
        re.I,
    ),
    is_there_question=re.compile(r"^¿\s*Hay\b"),
    months=tuple(CATALOG.text("reflections.months", "es").split()),
    disclaimer=re.compile(
        r"\b(?:nada de esto|no todo el mundo|mucha gente no|si lo celebras|si no lo celebras)\b",
        re.I,
    ),
)


@dataclass(frozen=True)
class Piece:
    name: str
    body: str
    question: str | None  # a reflection's closing question; None for a library reading


def pieces(content: Path | None = None, language: str = SOURCE_LANGUAGE) -> list[Piece]:
    """Every piece a member reads in the language: in English the 366 reflections and the
    library's readings; in a translation its reflections (the library is English only)."""
    year = load_year() if content is None else load_year(content / "reflections")
    if language != SOURCE_LANGUAGE:
        days = year.translations[language]
        return [
            Piece(f"reflection {k} ({language})", days[k].body, days[k].question)
            for k in sorted(days)
        ]
    library = load_library() if content is None else load_library(content / "library")
    found = [Piece(f"reflection {k}", r.body, r.question) for k, r in year.english.items()]
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


def some_some_paragraphs(body: str, moves: Moves = ENGLISH) -> int:
    """Paragraphs built as "Some do X. Some do Y. Others...": two sentences or more that
    start with Some, Others or A few."""
    return sum(
        sum(bool(moves.some_start.match(s)) for s in _SENTENCE.split(paragraph)) >= 2
        for paragraph in paragraphs(body)
    )


def opens_on_a_date(body: str, moves: Moves = ENGLISH) -> bool:
    """The first sentence names a month, written as the language writes it (so "you may
    hear" is no date, and "May" is)."""
    first = _SENTENCE.split(paragraphs(body)[0])[0]
    return any(re.search(rf"\b{month}\b", first) for month in moves.months)


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


def counts(found: list[Piece], moves: Moves = ENGLISH) -> Counts:
    of_us = [len(moves.of_us.findall(p.body)) for p in found]
    questions = [p.question for p in found if p.question is not None]
    dated = [p for p in found if p.question is not None and opens_on_a_date(p.body, moves)]
    return Counts(
        of_us=sum(of_us),
        pieces_leaning_on_of_us=sum(n >= 3 for n in of_us),
        it_can_help=sum(len(moves.it_can_help.findall(p.body)) for p in found),
        not_have_to=sum(len(moves.not_have_to.findall(p.body)) for p in found),
        some_some_paragraphs=sum(some_some_paragraphs(p.body, moves) for p in found),
        two_part_questions=sum(bool(moves.two_part_question.search(q)) for q in questions),
        is_there_questions=sum(bool(moves.is_there_question.match(q)) for q in questions),
        date_openings=len(dated),
        date_openings_with_disclaimer=sum(bool(moves.disclaimer.search(p.body)) for p in dated),
    )


def main() -> None:
    content = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    found = pieces(content)
    pairs = overlaps(found)
    print(f"{len(found)} pieces; closest pair {pairs[0][0]:.3f} ({pairs[0][1]}, {pairs[0][2]})")
    print(f"pairs above 0.2: {sum(p[0] > 0.2 for p in pairs)}")
    english, spanish = counts(found), counts(pieces(content, "es"), SPANISH)
    print(f"{'':30} {'English':>8} {'Spanish':>8}")
    for name, value in vars(english).items():
        print(f"{name:30} {value:>8} {getattr(spanish, name):>8}")


if __name__ == "__main__":
    main()
