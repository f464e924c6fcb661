"""The library's content, format, overlay, search quality and paging (no Telegram)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.meetings.formats import load_formats, parse_format
from bot.platform.catalog import Catalog
from bot.platform.problems import ContentError
from bot.readings.library import MAX_WORDS, MIN_WORDS, load_library, parse_reading
from bot.readings.library_view import render_copy, render_reading
from bot.readings.reflections import (
    REFLECTIONS_DIR,
    load_reflections,
    load_year,
    missing_days,
    render_reflection,
)
from bot.readings.search import LibrarySearch, stem
from bot.sim.limits import parse_html, utf16_len

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = load_library()
REFLECTIONS = load_reflections()
YEAR = load_year()
CATALOG = Catalog.load()
# Everything members read, by a unique name: readings and reflections are checked together.
ALL_TEXTS = {
    **{f"reading {r.id}": r.title + " " + r.body for r in LIBRARY.readings.values()},
    **{f"reflection {k}": r.title + " " + r.body for k, r in REFLECTIONS.items()},
}
QUERIES = ROOT / "tests" / "data" / "library_queries.jsonl"
SEARCH_FLOOR = 0.8
TELEGRAM_TEXT_LIMIT = 4096


# The Spanish year, read by Spanish-speaking members day after day like the English one.
SPANISH_TEXTS = {
    f"reflection {k} (es)": r.title + " " + r.body for k, r in YEAR.translations["es"].items()
}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9'áéíóúüñ]+", text.lower())


def test_at_least_ninety_readings_and_five_in_every_topic() -> None:
    assert len(LIBRARY.readings) >= 90
    assert len(LIBRARY.topics) >= 15
    per_topic = Counter(t for r in LIBRARY.readings.values() for t in r.topics)
    for topic in LIBRARY.topics:
        assert per_topic[topic.id] >= 5, topic.id
    kinds = Counter(r.kind for r in LIBRARY.readings.values())
    assert set(kinds) == {"essay", "tool", "meeting"}


@pytest.mark.parametrize("reading_id", sorted(LIBRARY.readings))
def test_every_reading_renders_within_telegram_s_limits(reading_id: str) -> None:
    reading = LIBRARY.readings[reading_id]
    assert MIN_WORDS <= reading.words <= MAX_WORDS
    for language in CATALOG.languages:
        for rendered in (
            render_reading(CATALOG, language, reading),
            render_copy(CATALOG, language, reading),
        ):
            plain, _ = parse_html(rendered)  # raises on HTML Telegram would refuse
            assert 1 <= utf16_len(plain) <= TELEGRAM_TEXT_LIMIT


@pytest.mark.parametrize("texts", [ALL_TEXTS, SPANISH_TEXTS], ids=["english", "spanish"])
def test_no_two_pieces_share_a_run_of_eight_words(texts: dict[str, str]) -> None:
    runs = {
        name: {tuple(w[i : i + 8]) for i in range(len(w) - 7)}
        for name, body in texts.items()
        for w in [words(body)]
    }
    shared = [
        (a, b, " ".join(next(iter(runs[a] & runs[b]))))
        for a, b in itertools.combinations(sorted(runs), 2)
        if runs[a] & runs[b]
    ]
    assert shared == []


def test_no_two_pieces_are_too_alike() -> None:
    shingles = {
        name: {tuple(w[i : i + 5]) for i in range(len(w) - 4)}
        for name, body in ALL_TEXTS.items()
        for w in [words(body)]
    }
    worst = max(
        len(shingles[a] & shingles[b]) / len(shingles[a] | shingles[b])
        for a, b in itertools.combinations(sorted(shingles), 2)
    )
    print(f"\nhighest 5-shingle Jaccard between two pieces: {worst:.4f}")
    assert worst < 0.15


def test_search_puts_a_right_reading_first_for_most_queries() -> None:
    queries = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines()]
    assert len(queries) >= 40
    index = LibrarySearch(LIBRARY)
    right = 0
    for query in queries:
        assert set(query["expected"]) <= set(LIBRARY.readings), query
        found = index.search(query["query"])
        right += bool(found) and found[0].id in query["expected"]
    share = right / len(queries)
    print(f"\nsearch: a right reading first for {right}/{len(queries)} queries ({share:.3f})")
    assert share >= SEARCH_FLOOR


def test_search_is_tolerant_of_case_accents_and_endings() -> None:
    index = LibrarySearch(LIBRARY)
    plain = [r.id for r in index.search("craving")]
    assert plain
    assert [r.id for r in index.search("CRAVINGS")] == plain
    assert [r.id for r in index.search("crâving")] == plain
    assert stem("cravings") == stem("craving") == stem("crave") == stem("craved")
    assert stem("slipped") == stem("slip")
    assert index.search("zzzz qqqq") == []


def test_paging_and_leaving_walk_a_topic_to_its_end() -> None:
    topic = max(LIBRARY.topics, key=lambda t: len(LIBRARY.in_topic(t.id)))
    readings = LIBRARY.in_topic(topic.id)
    first_page, pages = LIBRARY.page(topic.id, 0, 2)
    assert first_page == readings[:2]
    assert pages == -(-len(readings) // 2)
    assert LIBRARY.page(topic.id, 99, 2)[0] == readings[(pages - 1) * 2 :]
    walked = [readings[0]]
    while (following := LIBRARY.next_in_topic(topic.id, walked[-1].id)) is not None:
        walked.append(following)
    assert walked == readings


READING = """+++
id = "x-sample"
title = "A sample"
topics = ["cravings"]
summary = "Just a sample."
kind = "essay"
+++

{body}
"""


def write_reading(folder: Path, name: str, text: str) -> Path:
    (folder / "library" / "readings").mkdir(parents=True, exist_ok=True)
    path = folder / "library" / "readings" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_problems_name_the_file_and_the_line(tmp_path: Path) -> None:
    path = write_reading(tmp_path, "x-sample.md", READING.format(body="too short"))
    reading, problems = parse_reading(path)
    assert reading is None
    assert [p.line for p in problems] == [9]
    assert "words" in problems[0].message
    broken = READING.replace('kind = "essay"', 'kind = "poem"').replace("title =", "titel =")
    path.write_text(broken.format(body="word " * 200), encoding="utf-8")
    _, problems = parse_reading(path)
    messages = {p.message.split(" ")[0]: p.line for p in problems}
    assert messages == {"front": None, "unknown": 3}
    path.write_text(
        '+++\nid = "x-sample"\ntitle = "A" "B"\n+++\n' + "word " * 200, encoding="utf-8"
    )
    _, problems = parse_reading(path)
    assert problems[0].line == 3
    assert "TOML" in problems[0].message


def test_an_overlay_replaces_by_id_and_adds_new_ids(tmp_path: Path) -> None:
    existing = sorted(LIBRARY.readings)[0]
    body = "replaced " * 160
    replaced = READING.replace("x-sample", existing).format(body=body)
    write_reading(tmp_path, f"{existing}.md", replaced)
    write_reading(tmp_path, "x-sample.md", READING.format(body="added " * 160))
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "en.toml").write_text('[library]\ntake = "Keep it"\n', encoding="utf-8")
    overlaid = load_library(overlay=tmp_path)
    assert overlaid.readings[existing].body.startswith("replaced")
    assert "x-sample" in overlaid.readings
    assert len(overlaid.readings) == len(LIBRARY.readings) + 1
    catalog = Catalog.load(overlay=tmp_path)
    assert catalog.text("library.take", "en") == "Keep it"
    assert catalog.text("library.leave", "en") == CATALOG.text("library.leave", "en")


def test_an_overlay_with_an_unknown_topic_is_refused(tmp_path: Path) -> None:
    write_reading(
        tmp_path,
        "x-sample.md",
        READING.replace('"cravings"', '"astrology"').format(body="w " * 160),
    )
    with pytest.raises(ContentError) as raised:
        load_library(overlay=tmp_path)
    assert "astrology" in str(raised.value)
    assert raised.value.problems[0].line == 4


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "content", "check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_content_check_passes_on_the_shipped_content() -> None:
    result = run_check()
    assert result.returncode == 0, result.stdout
    assert "content is valid" in result.stdout


def test_content_check_reports_file_line_and_exit_1(tmp_path: Path) -> None:
    write_reading(tmp_path, "x-sample.md", READING.format(body="too short"))
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "es.toml").write_text(
        '[start]\nprivate = "Hola {name}"\n', encoding="utf-8"
    )
    result = run_check(str(tmp_path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{tmp_path}/library/readings/x-sample.md:9: ") for line in lines)
    assert any(f"{tmp_path}/texts/es.toml:2: start.private must use" in line for line in lines)
    assert lines[-1] == "2 problem(s) found"


def test_every_day_of_the_year_has_a_reflection() -> None:
    assert missing_days(REFLECTIONS) == []
    assert len(REFLECTIONS) == 366
    assert "02-29" in REFLECTIONS


def test_every_meeting_format_renders_within_telegram_s_limits() -> None:
    formats = load_formats()
    assert {"open-discussion", "speaker", "step-study", "reading", "beginners"} <= set(formats)
    for meeting_format in formats.values():
        for words in (meeting_format.opening, meeting_format.closing):
            assert 1 <= utf16_len(words) <= TELEGRAM_TEXT_LIMIT - 200
        assert "stays here" in meeting_format.opening


def test_titles_are_unique_across_readings_and_reflections() -> None:
    titles = [r.title for r in LIBRARY.readings.values()] + [r.title for r in REFLECTIONS.values()]
    assert sorted(t for t in set(titles) if titles.count(t) > 1) == []


@pytest.mark.parametrize("key", sorted(REFLECTIONS))
def test_every_reflection_renders_within_telegram_s_limits(key: str) -> None:
    for language in CATALOG.languages:
        rendered = render_reflection(CATALOG, YEAR.day(key, language), "5 January")
        plain, _ = parse_html(rendered)
        assert 1 <= utf16_len(plain) <= TELEGRAM_TEXT_LIMIT


def test_every_day_reads_in_spanish_with_the_english_day_s_topics() -> None:
    spanish = YEAR.translations["es"]
    assert sorted(spanish) == sorted(REFLECTIONS)
    for key, reflection in spanish.items():
        assert reflection.language == "es"
        assert reflection.topics == REFLECTIONS[key].topics
        assert "¿" in reflection.question, key
        assert reflection.question.endswith("?"), key
        assert reflection.title != REFLECTIONS[key].title, key
    titles = [r.title for r in spanish.values()]
    assert sorted(t for t in set(titles) if titles.count(t) > 1) == []
    rendered = render_reflection(CATALOG, YEAR.day("01-01", "es"), "1 de enero")
    assert f"<b>Para hoy:</b> {spanish['01-01'].question}" in rendered


def test_a_day_the_overlay_rewrites_in_english_is_not_read_from_the_shipped_spanish(
    tmp_path: Path,
) -> None:
    mine = tmp_path / "reflections"
    mine.mkdir()
    source = (REFLECTIONS_DIR / "01-01.md").read_text(encoding="utf-8")
    (mine / "01-01.md").write_text(source.replace(REFLECTIONS["01-01"].title, "Ours"), "utf-8")
    year = load_year(overlay=tmp_path)
    assert year.day("01-01", "es").title == "Ours"
    assert year.day("01-01", "es").language == "en"
    rendered = render_reflection(CATALOG, year.day("01-01", "es"), "1 January")
    assert "For today:" in rendered
    assert "Para hoy" not in rendered
    assert year.day("01-02", "es").language == "es"


def test_a_translation_must_keep_the_english_day_s_topics(tmp_path: Path) -> None:
    mine = tmp_path / "reflections" / "es"
    mine.mkdir(parents=True)
    source = (REFLECTIONS_DIR / "es" / "01-01.md").read_text(encoding="utf-8")
    topics = "topics = " + json.dumps(list(REFLECTIONS["01-01"].topics))
    assert topics in source
    (mine / "01-01.md").write_text(source.replace(topics, 'topics = ["otro"]'), "utf-8")
    with pytest.raises(ContentError, match="keeps the date and topics"):
        load_year(overlay=tmp_path)


@pytest.mark.parametrize(
    ("line", "minutes"), [("", 3), ("share_minutes = 20", 20), ("share_minutes = 0", None)]
)
def test_a_format_may_give_its_own_share_time(
    tmp_path: Path, line: str, minutes: int | None
) -> None:
    path = tmp_path / "long-share.toml"
    path.write_text(
        'id = "long-share"\nname = "Long"\nsummary = "One long share."\ncrosstalk = false\n'
        f'{line}\nopening = "Hello. What is said here stays here."\nclosing = "Goodbye."\n',
        encoding="utf-8",
    )
    found, problems = parse_format(path)
    if minutes is None:
        assert found is None
        assert "share_minutes" in problems[0].message
    else:
        assert found is not None
        assert found.share_minutes == minutes


def test_every_check_in_mood_has_readings_written_for_one_reader() -> None:
    from bot.handlers.checkin_view import MOOD_TOPICS

    for mood, topic in MOOD_TOPICS.items():
        for_one = [r for r in LIBRARY.in_topic(topic) if r.kind != "meeting"]
        assert for_one, (mood, topic)
