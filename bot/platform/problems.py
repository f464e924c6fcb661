"""A problem found in a content file, with where it is, for operators editing content."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Content that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:3]))
        self.problems = problems


def toml_error_line(message: str, offset: int = 0) -> tuple[int | None, str]:
    """tomllib says '(at line 3, column 7)'; pull the line out, shifted by offset."""
    found = _TOML_LINE.search(message)
    if found is None:
        return None, message
    return int(found.group(1)) + offset, _TOML_LINE.sub("", message).strip()


def line_of(text: str, key: str, start: int = 1) -> int | None:
    """The first line (numbered from start) that assigns key, for a helpful pointer."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=start):
        if pattern.match(line):
            return number
    return None
