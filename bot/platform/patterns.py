"""Lexicon patterns, shared by the crisis and etiquette lexicons: regular expressions in
TOML with %name% standing for a shared fragment, compiled into one alternation."""

from __future__ import annotations

import re

_FRAGMENT = re.compile(r"%([a-z_]+)%")


class PatternError(ValueError):
    """A pattern that does not compile, or names a fragment nobody defined."""


def compile_alternation(
    patterns: list[str], fragments: dict[str, str], where: str
) -> re.Pattern[str] | None:
    """One pattern matching any of patterns (None for none); where names them in errors."""
    if not patterns:
        return None

    def fragment(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fragments:
            raise PatternError(f"{where}: unknown fragment %{name}%")
        return f"(?:{fragments[name]})"

    expanded = [_FRAGMENT.sub(fragment, pattern) for pattern in patterns]
    try:
        return re.compile("|".join(f"(?:{pattern})" for pattern in expanded))
    except re.error as error:
        raise PatternError(f"{where}: {error}") from None
