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

from bot.platform.problems import ContentError, Problem, toml_error_line

CONTENT_DIR = Path(__file__).parents[1] / "content"
DEFAULT_LANGUAGE = "en"


class CatalogError(ContentError):
    """bot/content is malformed; every problem names the file, the line and the key."""


class Html(str):
    """A fragment that is already Telegram HTML, so text() inserts it unescaped."""

    __slots__ = ()


@dataclass(frozen=True)
class Localized:
    """A value of the crisis-line data as a member reads it: one text per language, or
    one value for every language where it holds no words ("911", "24/7")."""

    texts: tuple[tuple[str, str], ...]  # (language, text); empty where `same` is set
    same: str | None = None

    def __call__(self, language: str) -> str:
        if self.same is not None:
            return self.same
        found = dict(self.texts)
        return found.get(language) or found[DEFAULT_LANGUAGE]

    @property
    def every(self) -> list[str]:
        """Every text it holds, in any language (for checks and the contact filter)."""
        return [self.same] if self.same is not None else [text for _, text in self.texts]

    @classmethod
    def plain(cls, value: str) -> Localized:
        return cls((), value)


@dataclass(frozen=True)
class CrisisLine:
    kind: str
    name: Localized  # a line's own name may stay as it is in every language
    contact: Localized
    hours: Localized
    source: str
    about: Localized | None = None  # what the line is for, beside its name
    url: str | None = None
    url_label: Localized | None = None


@dataclass(frozen=True)
class Region:
    code: str
    name: Localized
    emergency: Localized
    lines: tuple[CrisisLine, ...]


@dataclass(frozen=True)
class Directory:
    name: str
    about: Localized
    url: str


@dataclass(frozen=True)
class CrisisLines:
    directory: Directory
    fallback_emergency: Localized
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
        crisis_lines, crisis_problems = read_crisis_lines(
            folders, sorted(texts) or [DEFAULT_LANGUAGE]
        )
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


_HAS_WORDS = re.compile(r"[^\W\d_]")


def localized(value: Any, languages: list[str]) -> Localized | str:
    """A crisis-line field as a Localized value, or what is wrong with it: a table with a
    text for every language the bot speaks, or a plain value with no words in it. A member
    must never read an English phrase pasted into a Spanish answer."""
    if isinstance(value, str):
        if _HAS_WORDS.search(value):
            return f"has words, so it needs a text in each language ({', '.join(languages)})"
        return Localized.plain(value)
    if isinstance(value, dict) and all(isinstance(text, str) for text in value.values()):
        missing = [language for language in languages if not value.get(language, "").strip()]
        unknown = sorted(set(value) - set(languages))
        if missing:
            return f"has no text in {', '.join(missing)}"
        if unknown:
            return f"is in a language the bot does not speak: {', '.join(unknown)}"
        return Localized(tuple((language, value[language]) for language in languages))
    return "must be a text, or a table of texts by language"


def read_crisis_lines(
    folders: list[Path], languages: list[str]
) -> tuple[CrisisLines | None, list[Problem]]:
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
    (directory_data, directory_path), (fallback_data, fallback_path) = (
        merged["directory"],
        merged["fallback"],
    )
    fields = _Fields(languages, problems)
    about = fields.read(directory_data, "about", directory_path, "directory")
    emergency = fields.read(fallback_data, "emergency", fallback_path, "fallback")
    name, url = directory_data.get("name"), directory_data.get("url")
    if not isinstance(name, str) or not isinstance(url, str):
        problems.append(Problem(directory_path, None, "directory: needs a name and a url"))
    if about is None or emergency is None or not isinstance(name, str) or not isinstance(url, str):
        return None, problems
    built: dict[str, Region] = {}
    for code, (entry, path) in regions.items():
        region = _region(code, entry, path, fields)
        if region is not None:
            built[code] = region
    naloxone = merged.get("overdose", ({}, None))[0].get("naloxone_over_the_counter", [])
    return CrisisLines(Directory(name, about, url), emergency, built, frozenset(naloxone)), problems


@dataclass
class _Fields:
    """Reads localized fields, collecting what is wrong with them."""

    languages: list[str]
    problems: list[Problem]

    def read(
        self, table: dict[str, Any], key: str, path: Path, where: str, line: int | None = None
    ) -> Localized | None:
        if key not in table:
            self.problems.append(Problem(path, line, f"{where}: needs {key}"))
            return None
        found = localized(table[key], self.languages)
        if isinstance(found, str):
            self.problems.append(
                Problem(path, line or key_line(path, key), f"{where}.{key} {found}")
            )
            return None
        return found

    def optional(
        self, table: dict[str, Any], key: str, path: Path, where: str, line: int | None
    ) -> Localized | None:
        return self.read(table, key, path, where, line) if key in table else None


_LINE_FIELDS = {"kind", "name", "contact", "hours", "source", "about", "url", "url_label"}


def _region(code: str, entry: dict[str, Any], path: Path, fields: _Fields) -> Region | None:
    line = _line_with(path, f'code = "{entry.get("code", "")}"')
    before = len(fields.problems)
    if not re.fullmatch(r"[A-Z]{2}", code):
        fields.problems.append(
            Problem(path, line, f"region code '{code}' must be two letters, like GB")
        )
    name = fields.read(entry, "name", path, code, line)
    emergency = fields.read(entry, "emergency", path, code, line)
    lines: list[CrisisLine] = []
    for raw in entry.get("line", []):
        crisis_line = _crisis_line(code, raw, path, line, fields)
        if crisis_line is not None:
            lines.append(crisis_line)
    if len(fields.problems) > before or name is None or emergency is None:
        return None
    return Region(code, name, emergency, tuple(lines))


def _crisis_line(
    code: str, raw: dict[str, Any], path: Path, line: int | None, fields: _Fields
) -> CrisisLine | None:
    unknown = sorted(set(raw) - _LINE_FIELDS)
    kind, source, url = raw.get("kind"), raw.get("source"), raw.get("url")
    problems = fields.problems
    if unknown:
        problems.append(Problem(path, line, f"{code}: a line has unknown fields {unknown}"))
    if kind not in _LINE_KINDS:
        problems.append(Problem(path, line, f"{code}: kind must be crisis or treatment"))
    if not isinstance(source, str):
        problems.append(Problem(path, line, f"{code}: a line needs its source"))
    if ("url" in raw) != ("url_label" in raw):
        problems.append(Problem(path, line, f"{code}: url and url_label go together"))
    # A line's name is its own: "TelefonSeelsorge" reads the same in every language.
    raw_name = raw.get("name")
    name = Localized.plain(raw_name) if isinstance(raw_name, str) else None
    if name is None:
        name = fields.read(raw, "name", path, f"{code} line", line)
    contact = fields.read(raw, "contact", path, f"{code} line", line)
    hours = fields.read(raw, "hours", path, f"{code} line", line)
    about = fields.optional(raw, "about", path, f"{code} line", line)
    url_label = fields.optional(raw, "url_label", path, f"{code} line", line)
    if (
        unknown
        or kind not in _LINE_KINDS
        or not isinstance(source, str)
        or name is None
        or contact is None
        or hours is None
        or ("url" in raw) != ("url_label" in raw)
        or ("about" in raw and about is None)
        or ("url_label" in raw and url_label is None)
    ):
        return None
    return CrisisLine(
        kind=str(kind),
        name=name,
        contact=contact,
        hours=hours,
        source=source,
        about=about,
        url=str(url) if url is not None else None,
        url_label=url_label,
    )


def _line_with(path: Path, needle: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if needle in line:
                return number
    except OSError:
        return None
    return None
