"""Daily reflections: one for each day of the year, from bot/content/reflections (pure).

One file a day, named MM-DD.md: TOML front matter (date, title, question, topics) between
two '+++' lines, then the reading. A folder in the same format (PORCHLIGHT_CONTENT_DIR)
overlays the shipped one by date.
"""

from __future__ import annotations

import html
import re
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


@dataclass(frozen=True)
class Reflection:
    month: int
    day: int
    title: str
    question: str
    topics: tuple[str, ...]
    body: str

    @property
    def key(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def parse_reflection(path: Path) -> tuple[Reflection | None, list[Problem]]:
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
    ), []


def missing_days(reflections: dict[str, Reflection]) -> list[Problem]:
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
    """MM-DD -> reflection, the overlay's replacing the shipped ones by date."""
    folders = [folder] if overlay is None else [folder, overlay / "reflections"]
    found: dict[str, Reflection] = {}
    problems: list[Problem] = []
    for each in folders:
        for path in sorted(each.glob("*.md")):
            reflection, trouble = parse_reflection(path)
            problems += trouble
            if reflection is not None:
                found[reflection.key] = reflection
    if problems:
        raise ContentError(problems)
    return found


def render_reflection(
    catalog: Catalog, language: str, reflection: Reflection, date_text: str
) -> str:
    return catalog.text(
        "reflections.reading",
        language,
        date=date_text,
        title=reflection.title,
        body=Html(html.escape(reflection.body)),
        question=reflection.question,
    )
