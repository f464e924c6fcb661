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

CONTENT_DIR = Path(__file__).parent / "content"
DEFAULT_LANGUAGE = "en"


class CatalogError(Exception):
    """bot/content is malformed; the message names the file and the key."""


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
    def load(cls, folder: Path = CONTENT_DIR) -> Catalog:
        texts: dict[str, dict[str, str]] = {}
        for path in sorted((folder / "texts").glob("*.toml")):
            if not _LANGUAGE_FILE.match(path.stem):
                raise CatalogError(f"{path.name}: name a text file by its language code")
            texts[path.stem] = _flatten(_read_toml(path))
        if DEFAULT_LANGUAGE not in texts:
            raise CatalogError(f"texts/{DEFAULT_LANGUAGE}.toml is missing")
        _check_languages(texts)
        return cls(texts, _load_crisis_lines(folder / "crisis_lines.toml"))

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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{path.name}: {error}") from None


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        elif isinstance(value, str):
            # A text block's first newline only makes the file readable.
            flat[dotted] = value.removeprefix("\n")
        else:
            raise CatalogError(f"{dotted}: every text must be a string")
    return flat


def _check_languages(texts: dict[str, dict[str, str]]) -> None:
    english = texts[DEFAULT_LANGUAGE]
    for language, table in texts.items():
        for key, template in table.items():
            if key not in english:
                raise CatalogError(f"texts/{language}.toml: {key} is not an English key")
            if placeholders(template) != placeholders(english[key]):
                raise CatalogError(
                    f"texts/{language}.toml: {key} must use the placeholders "
                    f"{sorted(placeholders(english[key]))}"
                )


def _load_crisis_lines(path: Path) -> CrisisLines:
    data = _read_toml(path)
    try:
        directory = Directory(**{k: data["directory"][k] for k in ("name", "about", "url")})
        regions: dict[str, Region] = {}
        for entry in data["region"]:
            lines = tuple(CrisisLine(**line) for line in entry.get("line", []))
            for line in lines:
                if line.kind not in _LINE_KINDS:
                    raise CatalogError(f"{path.name}: {entry['code']}: unknown kind {line.kind}")
                if (line.url is None) != (line.url_label is None):
                    raise CatalogError(f"{path.name}: {line.name}: url and url_label go together")
            code = str(entry["code"]).upper()
            regions[code] = Region(code, entry["name"], entry["emergency"], lines)
        fallback = str(data["fallback"]["emergency"])
        naloxone = frozenset(data.get("overdose", {}).get("naloxone_over_the_counter", []))
    except (KeyError, TypeError) as error:
        raise CatalogError(f"{path.name}: missing or unexpected field {error}") from None
    return CrisisLines(directory, fallback, regions, naloxone)
