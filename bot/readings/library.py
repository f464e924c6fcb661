"""The reading library: topics and readings from bot/content/library (pure, no Telegram).

Readings are files an operator can read and edit: TOML front matter between two '+++'
lines, then plain text. A folder in the same format (PORCHLIGHT_CONTENT_DIR) overlays the
shipped one by id: the same id replaces, a new id adds.
"""

from __future__ import annotations

import random
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.platform.frontmatter import read_front_matter
from bot.platform.problems import ContentError, Problem, line_of, toml_error_line

LIBRARY_DIR = Path(__file__).parents[1] / "content" / "library"
KINDS = ("essay", "tool", "meeting")
MIN_WORDS, MAX_WORDS = 150, 500
MAX_TITLE, MAX_SUMMARY = 60, 140
# Ids ride in callback data (64 bytes in all), so they stay short and plain.
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,27}$")
_READING_KEYS = {"id", "title", "topics", "summary", "kind"}


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    # The title in other languages, where the topics file gives one: (language, title).
    translations: tuple[tuple[str, str], ...] = ()

    def title_in(self, language: str) -> str:
        return dict(self.translations).get(language, self.title)


@dataclass(frozen=True)
class Reading:
    id: str
    title: str
    topics: tuple[str, ...]
    summary: str
    kind: str
    body: str

    @property
    def words(self) -> int:
        return len(self.body.split())


@dataclass(frozen=True)
class Library:
    topics: tuple[Topic, ...]
    readings: dict[str, Reading]

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def topic_index(self, topic_id: str) -> int:
        return [t.id for t in self.topics].index(topic_id)

    def in_topic(self, topic_id: str) -> list[Reading]:
        """A topic's readings in a stable order: by title."""
        found = [r for r in self.readings.values() if topic_id in r.topics]
        return sorted(found, key=lambda r: (r.title.lower(), r.id))

    def page(self, topic_id: str, number: int, size: int) -> tuple[list[Reading], int]:
        """One page of a topic (numbered from 0, clamped) and how many pages there are."""
        readings = self.in_topic(topic_id)
        pages = max(1, -(-len(readings) // size))
        number = min(max(number, 0), pages - 1)
        return readings[number * size : (number + 1) * size], pages

    def next_in_topic(self, topic_id: str, reading_id: str) -> Reading | None:
        """The reading after this one in the topic, or None at the end."""
        ids = [r.id for r in self.in_topic(topic_id)]
        if reading_id not in ids:
            return None
        following = ids.index(reading_id) + 1
        return self.readings[ids[following]] if following < len(ids) else None

    def surprise(self, rng: random.Random) -> Reading:
        return rng.choice(sorted(self.readings.values(), key=lambda r: r.id))


def parse_reading(path: Path) -> tuple[Reading | None, list[Problem]]:
    """Read one reading file, reporting every problem with its line."""
    found, problems = read_front_matter(path, _READING_KEYS)
    if found is None:
        return None, problems
    meta = found.meta

    def complain(key: str, message: str) -> None:
        problems.append(Problem(path, found.line(key), message))

    reading_id, title, topics = meta["id"], meta["title"], meta["topics"]
    summary, kind = meta["summary"], meta["kind"]
    if not isinstance(reading_id, str) or not _ID.match(reading_id):
        complain("id", "id must be 1-28 characters of a-z, 0-9 and '-'")
    elif reading_id != path.stem:
        complain("id", f"id '{reading_id}' must match the file name '{path.stem}.md'")
    if not isinstance(title, str) or not 0 < len(title) <= MAX_TITLE:
        complain("title", f"title must be 1-{MAX_TITLE} characters")
    if not isinstance(summary, str) or not 0 < len(summary) <= MAX_SUMMARY:
        complain("summary", f"summary must be one line of 1-{MAX_SUMMARY} characters")
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
        complain("topics", 'topics must be a list of topic ids, such as ["cravings"]')
    if kind not in KINDS:
        complain("kind", f"kind must be one of {', '.join(KINDS)}")
    count = len(found.body.split())
    if not MIN_WORDS <= count <= MAX_WORDS:
        problems.append(
            Problem(
                path,
                found.body_line,
                f"the text has {count} words; a reading has {MIN_WORDS}-{MAX_WORDS}",
            )
        )
    if problems:
        return None, problems
    return Reading(reading_id, title, tuple(topics), summary, kind, found.body), []


def parse_topics(path: Path) -> tuple[list[Topic], list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        return [], [Problem(path, None, f"cannot be read: {error}")]
    except tomllib.TOMLDecodeError as error:
        line, message = toml_error_line(str(error))
        return [], [Problem(path, line, f"not valid TOML: {message}")]
    topics: list[Topic] = []
    problems: list[Problem] = []
    for entry in data.get("topic", []):
        topic_id, title = entry.get("id"), entry.get("title")
        if not isinstance(topic_id, str) or not _ID.match(topic_id) or not isinstance(title, str):
            line = line_of(text, "id") if topic_id is None else _line_with(text, str(topic_id))
            problems.append(
                Problem(path, line, "each [[topic]] needs an id (a-z, 0-9, '-') and a title")
            )
            continue
        titles = entry.get("titles", {})
        if not isinstance(titles, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in titles.items()
        ):
            line = _line_with(text, str(topic_id))
            problems.append(Problem(path, line, "titles must map a language to a title"))
            continue
        topics.append(Topic(topic_id, title, tuple(sorted(titles.items()))))
    return topics, problems


def _line_with(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def read_library_folder(
    folder: Path,
) -> tuple[list[Topic], dict[str, tuple[Reading, Path]], list[Problem]]:
    """Whatever a folder holds (a full library, or an overlay with only some files)."""
    topics: list[Topic] = []
    readings: dict[str, tuple[Reading, Path]] = {}
    problems: list[Problem] = []
    if (folder / "topics.toml").exists():
        topics, problems = parse_topics(folder / "topics.toml")
    for path in sorted((folder / "readings").glob("*.md")):
        reading, found = parse_reading(path)
        problems += found
        if reading is None:
            continue
        if reading.id in readings:
            other = readings[reading.id][1].name
            problems.append(Problem(path, 2, f"id '{reading.id}' is also used by {other}"))
            continue
        readings[reading.id] = (reading, path)
    return topics, readings, problems


def load_library(folder: Path = LIBRARY_DIR, overlay: Path | None = None) -> Library:
    """The shipped library with the operator's overlay on top; ContentError on any problem."""
    topics, readings, problems = read_library_folder(folder)
    by_topic = {t.id: t for t in topics}
    if overlay is not None and (overlay / "library").is_dir():
        extra_topics, extra_readings, extra_problems = read_library_folder(overlay / "library")
        problems += extra_problems
        by_topic.update({t.id: t for t in extra_topics})
        readings.update(extra_readings)
    problems += unknown_topics(readings, set(by_topic))
    if problems:
        raise ContentError(problems)
    return Library(tuple(by_topic.values()), {k: r for k, (r, _) in readings.items()})


def unknown_topics(readings: dict[str, tuple[Reading, Path]], known: set[str]) -> list[Problem]:
    problems = []
    for reading, path in readings.values():
        unknown = [t for t in reading.topics if t not in known]
        if unknown:
            line = line_of(path.read_text(encoding="utf-8"), "topics")
            problems.append(Problem(path, line, f"unknown topic(s): {', '.join(unknown)}"))
    return problems
