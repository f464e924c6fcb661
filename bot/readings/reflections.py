"""Daily reflections: one for each day of the year, from bot/content/reflections (pure).

One file a day, named MM-DD.md: TOML front matter (date, title, question, topics) between
two '+++' lines, then the reading. English is the source and covers every day; a
translation lives in a subfolder named by its language (reflections/es/MM-DD.md) with the
same dates and topics. A folder in the same format (PORCHLIGHT_CONTENT_DIR) overlays the
shipped one by date; where it replaces a day in English but not in a language, that
language reads the overlay's English that day, never the shipped text it replaced.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.platform.catalog import Catalog, Html
from bot.platform.frontmatter import read_front_matter
from bot.platform.problems import ContentError, Problem

REFLECTIONS_DIR = Path(__file__).parents[1] / "content" / "reflections"
MIN_WORDS, MAX_WORDS = 100, 280
MAX_TITLE, MAX_QUESTION = 60, 200
_KEYS = {"date", "title", "question", "topics"}
_DATE = re.compile(r"^(\d\d)-(\d\d)$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Reflection:
    month: int
    day: int
    title: str
    question: str
    topics: tuple[str, ...]
    body: str
    language: str = SOURCE_LANGUAGE

    @property
    def key(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def parse_reflection(
    path: Path, language: str = SOURCE_LANGUAGE
) -> tuple[Reflection | None, list[Problem]]:
    found, problems = read_front_matter(path, _KEYS)
    if found is None:
        return None, problems
    meta = found.meta
    matched = _DATE.match(str(meta["date"]))
    if matched is None or meta["date"] != path.stem:
        problems.append(
            Problem(path, found.line("date"), "date must be MM-DD and match the file name")
        )
    for key, limit in (("title", MAX_TITLE), ("question", MAX_QUESTION)):
        value = meta[key]
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            problems.append(Problem(path, found.line(key), f"{key} must be 1-{limit} characters"))
    topics = meta["topics"]
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
        problems.append(Problem(path, found.line("topics"), "topics must be a list of tags"))
    count = len(found.body.split())
    if not MIN_WORDS <= count <= MAX_WORDS:
        wanted = f"a reflection has {MIN_WORDS}-{MAX_WORDS}"
        problems.append(Problem(path, found.body_line, f"the text has {count} words; {wanted}"))
    if problems or matched is None:
        return None, problems
    return Reflection(
        int(matched.group(1)),
        int(matched.group(2)),
        meta["title"],
        meta["question"],
        tuple(topics),
        found.body,
        language,
    ), []


def missing_days(reflections: Mapping[str, Reflection]) -> list[Problem]:
    """Every day of the year, 29 February included, must have its reflection."""
    missing = [key for key in all_day_keys() if key not in reflections]
    if not missing:
        return []
    shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
    return [Problem(REFLECTIONS_DIR, None, f"{len(missing)} day(s) have no reflection: {shown}")]


def all_day_keys() -> list[str]:
    leap_year = 2024
    first = date(leap_year, 1, 1)
    return [(first + timedelta(days=n)).strftime("%m-%d") for n in range(366)]


def load_reflections(
    folder: Path = REFLECTIONS_DIR, overlay: Path | None = None
) -> dict[str, Reflection]:
    """MM-DD -> the English reflection, the overlay's replacing the shipped ones by date."""
    return dict(load_year(folder, overlay).english)


@dataclass(frozen=True)
class Reflections:
    """The year: English for every day, and each translation where it is written."""

    english: Mapping[str, Reflection]
    translations: Mapping[str, Mapping[str, Reflection]]  # language -> MM-DD -> reflection

    def day(self, key: str, language: str) -> Reflection:
        """The day's reflection in the language, or in English where it has none."""
        return self.translations.get(language, {}).get(key) or self.english[key]

    def get(self, key: str, language: str) -> Reflection | None:
        return self.day(key, language) if key in self.english else None

    def every_day(self, language: str) -> list[Reflection]:
        return [self.day(key, language) for key in self.english]


def load_year(folder: Path = REFLECTIONS_DIR, overlay: Path | None = None) -> Reflections:
    problems: list[Problem] = []

    def read(where: Path, language: str) -> dict[str, Reflection]:
        found: dict[str, Reflection] = {}
        for path in sorted(where.glob("*.md")):
            reflection, trouble = parse_reflection(path, language)
            problems.extend(trouble)
            if reflection is not None:
                found[reflection.key] = reflection
        return found

    def languages(where: Path) -> set[str]:
        return {p.name for p in where.glob("*") if p.is_dir() and _LANGUAGE.match(p.name)}

    english = read(folder, SOURCE_LANGUAGE)
    shipped = {language: read(folder / language, language) for language in languages(folder)}
    if overlay is not None:
        mine = overlay / "reflections"
        theirs = read(mine, SOURCE_LANGUAGE)
        english |= theirs
        for language in languages(mine):
            shipped.setdefault(language, {})
        for language, days in shipped.items():
            kept = {key: r for key, r in days.items() if key not in theirs}
            shipped[language] = kept | read(mine / language, language)
    for days in shipped.values():
        problems += _unmatched(days, english)
    if problems:
        raise ContentError(problems)
    return Reflections(english, shipped)


def _unmatched(translated: dict[str, Reflection], english: dict[str, Reflection]) -> list[Problem]:
    """A translation keeps its source's date and topics, so it is found where the English is."""
    return [
        Problem(
            Path(reflection.language) / f"{key}.md",
            None,
            "a translation keeps the date and topics of the English day it translates",
        )
        for key, reflection in translated.items()
        if key not in english or english[key].topics != reflection.topics
    ]


def render_reflection(catalog: Catalog, reflection: Reflection, date_text: str) -> str:
    """In the reflection's own language, frame and all: a day not yet translated reads
    wholly in English rather than half and half."""
    return catalog.text(
        "reflections.reading",
        reflection.language,
        date=date_text,
        title=reflection.title,
        body=Html(html.escape(reflection.body)),
        question=reflection.question,
    )
