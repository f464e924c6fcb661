"""python -m bot content check [DIR]: validate a content folder, every problem with its
file and line. DIR may be the shipped bot/content or an overlay holding only some files
(texts/, crisis_lines.toml, library/, safety/); an overlay is checked on top of the
shipped content, as the bot would load it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.meetings.formats import load_formats
from bot.platform.catalog import CONTENT_DIR, Catalog, CatalogError
from bot.platform.problems import ContentError, Problem
from bot.readings.library import LIBRARY_DIR, Library, load_library
from bot.readings.reflections import load_year, missing_days
from bot.safety import LexiconError, load_lexicon


@dataclass(frozen=True)
class CheckResult:
    problems: list[Problem]
    catalog: Catalog | None
    library: Library | None


def check_content(folder: Path) -> CheckResult:
    overlay = None if folder.resolve() == CONTENT_DIR.resolve() else folder
    problems: list[Problem] = []
    catalog = library = None
    try:
        catalog = Catalog.load(CONTENT_DIR, overlay)
    except CatalogError as error:
        problems += error.problems
    try:
        library = load_library(LIBRARY_DIR, overlay)
    except ContentError as error:
        problems += error.problems
    try:
        problems += missing_days(load_year(overlay=overlay).english)
    except ContentError as error:
        problems += error.problems
    try:
        load_formats(overlay=overlay)
    except ContentError as error:
        problems += error.problems
    for path in sorted((folder / "safety").glob("*.toml")):
        try:
            load_lexicon(path)
        except LexiconError as error:
            problems.append(Problem(path, None, str(error)))
    return CheckResult(problems, catalog, library)


def run_check(folder: Path) -> int:
    if not folder.is_dir():
        print(f"{folder}: not a folder")
        return 1
    result = check_content(folder)
    for problem in result.problems:
        print(problem)
    if result.problems:
        print(f"{len(result.problems)} problem(s) found")
        return 1
    assert result.catalog is not None
    assert result.library is not None
    print(
        f"content is valid: {len(result.library.readings)} readings in "
        f"{len(result.library.topics)} topics, texts in {', '.join(result.catalog.languages)}, "
        f"crisis lines for {len(result.catalog.crisis_lines.regions)} regions"
    )
    return 0
