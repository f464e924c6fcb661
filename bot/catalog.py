"""Loads and validates bot/content: the texts in every language, and the crisis lines.

User-facing text lives in bot/content/texts/<language>.toml, keyed; English is complete and
every other language falls back to it key by key.
"""

from __future__ import annotations

import html
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.problems import ContentError, Problem, toml_error_line

CONTENT_DIR = Path(__file__).parent / "content"
DEFAULT_LANGUAGE = "en"


class CatalogError(ContentError):
    """bot/content is malformed; every problem names the file, the line and the key."""


class Html(str):
    """A fragment that is already Telegram HTML, so text() inserts it unescaped."""

    __slots__ = ()


@dataclass(frozen=True)
class CrisisLine:
    kind: str
    name: str
    contact: str
    hours: str
    source: str
    url: str | None = None
    url_label: str | None = None


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    emergency: str
    lines: tuple[CrisisLine, ...]


@dataclass(frozen=True)
class Directory:
    name: str
    about: str
    url: str


@dataclass(frozen=True)
class CrisisLines:
    directory: Directory
    fallback_emergency: str
    regions: dict[str, Region]
    naloxone_over_the_counter: frozenset[str] = frozenset()

    def region(self, code: str | None) -> Region | None:
        return None if code is None else self.regions.get(code.upper())


_LANGUAGE_FILE = re.compile(r"^[a-z]{2,3}$")
_LINE_KINDS = {"crisis", "treatment"}


class Catalog:
    def __init__(self, texts: dict[str, dict[str, str]], crisis_lines: CrisisLines) -> None:
        self._texts = texts
        self.crisis_lines = crisis_lines

    @classmethod
    def load(cls, folder: Path = CONTENT_DIR, overlay: Path | None = None) -> Catalog:
        """The shipped content with the operator's overlay on top (a text key, a region
        code: the same one replaces, a new one adds); CatalogError lists every problem."""
        folders = [folder] if overlay is None else [folder, overlay]
        texts, problems = read_texts(folders)
        crisis_lines, crisis_problems = read_crisis_lines(folders)
        problems += crisis_problems
        if problems or crisis_lines is None:
            raise CatalogError(problems)
        return cls(texts, crisis_lines)

    @property
    def languages(self) -> list[str]:
        return sorted(self._texts)

    def text_keys(self) -> list[str]:
        return sorted(self._texts[DEFAULT_LANGUAGE])

    def language_for(self, telegram_code: str | None) -> str:
        """Telegram gives codes like 'en' or 'pt-br'; pick the catalogue, else English."""
        if telegram_code:
            base = telegram_code.lower().replace("_", "-").split("-")[0]
            if base in self._texts:
                return base
        return DEFAULT_LANGUAGE

    def template(self, key: str, language: str | None = None) -> str:
        """The raw text for key in language, English where that language lacks it."""
        chosen = self._texts.get(language or DEFAULT_LANGUAGE, {})
        return chosen.get(key) or self._texts[DEFAULT_LANGUAGE][key]

    def text(self, key: str, language: str | None = None, /, **values: object) -> str:
        """The text for key in language (English where missing), values HTML-escaped."""
        template = self.template(key, language)
        safe = {
            name: value if isinstance(value, Html) else html.escape(str(value))
            for name, value in values.items()
        }
        return template.format_map(safe)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _read_toml(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), []
    except OSError as error:
        return {}, [Problem(path, None, f"cannot be read: {error}")]
    except tomllib.TOMLDecodeError as error:
        line, message = toml_error_line(str(error))
        return {}, [Problem(path, line, f"not valid TOML: {message}")]


def key_line(path: Path, dotted: str) -> int | None:
    """The line that sets a dotted key (its table header, then 'key ='), for pointers."""
    *table, key = dotted.split(".")
    current: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            current = [part.strip().strip('"') for part in stripped.strip("[]").split(".")]
        elif current == table and re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
            return number
    return None


def _flatten(
    tree: dict[str, Any], path: Path, prefix: str = ""
) -> tuple[dict[str, str], list[Problem]]:
    flat: dict[str, str] = {}
    problems: list[Problem] = []
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            inner, found = _flatten(value, path, dotted + ".")
            flat.update(inner)
            problems += found
        elif isinstance(value, str):
            # A text block's first newline only makes the file readable.
            flat[dotted] = value.removeprefix("\n")
        else:
            problems.append(
                Problem(path, key_line(path, dotted), f"{dotted}: a text must be a string")
            )
    return flat, problems


def read_texts(folders: list[Path]) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """Every language's texts, later folders overlaying earlier ones key by key."""
    texts: dict[str, dict[str, str]] = {}
    where: dict[tuple[str, str], Path] = {}
    problems: list[Problem] = []
    for folder in folders:
        for path in sorted((folder / "texts").glob("*.toml")):
            if not _LANGUAGE_FILE.match(path.stem):
                problems.append(
                    Problem(path, None, "name a text file by its language code, e.g. es.toml")
                )
                continue
            data, found = _read_toml(path)
            flat, bad = _flatten(data, path)
            problems += found + bad
            texts.setdefault(path.stem, {}).update(flat)
            where.update({(path.stem, key): path for key in flat})
    if DEFAULT_LANGUAGE not in texts:
        problems.append(Problem(folders[0] / "texts", None, f"{DEFAULT_LANGUAGE}.toml is missing"))
        return texts, problems
    english = texts[DEFAULT_LANGUAGE]
    for language, table in texts.items():
        for key, template in table.items():
            path = where[(language, key)]
            if key not in english:
                problems.append(
                    Problem(path, key_line(path, key), f"{key} is not a key in English")
                )
            elif placeholders(template) != placeholders(english[key]):
                wanted = ", ".join("{" + p + "}" for p in sorted(placeholders(english[key])))
                problems.append(
                    Problem(
                        path,
                        key_line(path, key),
                        f"{key} must use the placeholders {wanted or '(none)'}",
                    )
                )
    return texts, problems


def read_crisis_lines(folders: list[Path]) -> tuple[CrisisLines | None, list[Problem]]:
    """Crisis lines, a later folder's regions replacing or adding by code."""
    merged: dict[str, Any] = {}
    regions: dict[str, tuple[dict[str, Any], Path]] = {}
    problems: list[Problem] = []
    for folder in folders:
        path = folder / "crisis_lines.toml"
        if not path.exists():
            continue
        data, found = _read_toml(path)
        problems += found
        for table in ("directory", "fallback", "overdose"):
            if table in data:
                merged[table] = (data[table], path)
        for entry in data.get("region", []):
            regions[str(entry.get("code", "")).upper()] = (entry, path)
    if "directory" not in merged or "fallback" not in merged:
        problems.append(
            Problem(folders[0] / "crisis_lines.toml", None, "needs [directory] and [fallback]")
        )
        return None, problems
    directory_data, directory_path = merged["directory"]
    try:
        directory = Directory(**{k: str(directory_data[k]) for k in ("name", "about", "url")})
        fallback = str(merged["fallback"][0]["emergency"])
    except KeyError as error:
        problems.append(Problem(directory_path, None, f"missing field {error}"))
        return None, problems
    built: dict[str, Region] = {}
    for code, (entry, path) in regions.items():
        region, found = _region(code, entry, path)
        problems += found
        if region is not None:
            built[code] = region
    naloxone = merged.get("overdose", ({}, None))[0].get("naloxone_over_the_counter", [])
    return CrisisLines(directory, fallback, built, frozenset(naloxone)), problems


def _region(code: str, entry: dict[str, Any], path: Path) -> tuple[Region | None, list[Problem]]:
    line = _line_with(path, f'code = "{entry.get("code", "")}"')
    problems: list[Problem] = []
    if not re.fullmatch(r"[A-Z]{2}", code):
        problems.append(Problem(path, line, f"region code '{code}' must be two letters, like GB"))
    lines: list[CrisisLine] = []
    for raw in entry.get("line", []):
        try:
            crisis_line = CrisisLine(**raw)
        except TypeError as error:
            problems.append(
                Problem(path, line, f"{code}: a line has a missing or unknown field ({error})")
            )
            continue
        if crisis_line.kind not in _LINE_KINDS:
            problems.append(Problem(path, line, f"{code}: kind must be crisis or treatment"))
        if (crisis_line.url is None) != (crisis_line.url_label is None):
            problems.append(Problem(path, line, f"{code}: url and url_label go together"))
        lines.append(crisis_line)
    if "name" not in entry or "emergency" not in entry:
        problems.append(
            Problem(path, line, f"{code}: a region needs a name and an emergency number")
        )
    if problems:
        return None, problems
    return Region(code, str(entry["name"]), str(entry["emergency"]), tuple(lines)), []


def _line_with(path: Path, needle: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if needle in line:
                return number
    except OSError:
        return None
    return None
