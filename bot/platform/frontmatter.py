"""Content files with TOML front matter between two '+++' lines, then plain text."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.platform.problems import Problem, line_of, toml_error_line


@dataclass(frozen=True)
class FrontMatterFile:
    path: Path
    meta: dict[str, Any]
    header: str  # the front matter's text, for pointing at a key's line
    body: str
    body_line: int  # the line the text starts on

    def line(self, key: str) -> int | None:
        return line_of(self.header, key, start=2)


def read_front_matter(path: Path, keys: set[str]) -> tuple[FrontMatterFile | None, list[Problem]]:
    """Parse a file, checking it has exactly these keys; every problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(path, None, f"cannot be read: {error}")]
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        return None, [Problem(path, 1, "must start with a line '+++' (the front matter)")]
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if close is None:
        return None, [Problem(path, 1, "the front matter has no closing '+++' line")]
    header = "\n".join(lines[1:close])
    try:
        meta = tomllib.loads(header)
    except tomllib.TOMLDecodeError as error:
        line, message = toml_error_line(str(error), offset=1)
        return None, [Problem(path, line, f"front matter is not valid TOML: {message}")]
    body_start = next((i for i in range(close + 1, len(lines)) if lines[i].strip()), close)
    found = FrontMatterFile(
        path, meta, header, "\n".join(lines[close + 1 :]).strip(), body_start + 1
    )
    problems = [
        Problem(path, None, f"front matter is missing '{k}'") for k in sorted(keys - meta.keys())
    ]
    problems += [
        Problem(path, found.line(k), f"unknown field '{k}' (expected {', '.join(sorted(keys))})")
        for k in sorted(meta.keys() - keys)
    ]
    return (None if problems else found), problems
