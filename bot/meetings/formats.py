"""Meeting formats (open discussion, speaker, ...): one TOML file each in
bot/content/meetings, with the opening and closing the bot posts. An operator's folder in
the same format (PORCHLIGHT_CONTENT_DIR/meetings) adds formats or replaces them by id."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.meetings.queue import DEFAULT_TIMER, MAX_TIMER_MINUTES
from bot.platform.problems import ContentError, Problem, line_of, toml_error_line

MEETINGS_DIR = Path(__file__).parents[1] / "content" / "meetings"
DEFAULT_FORMAT = "open-discussion"
MAX_NAME, MAX_SUMMARY, MAX_OPENING, MAX_CLOSING = 40, 140, 3000, 1500
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
_KEYS = {"id", "name", "summary", "crosstalk", "opening", "closing"}
# Optional: how long each share is given, in minutes (the share timer's default), and how
# long a scheduled meeting runs before the bot closes it, if nobody has.
_SHARE_MINUTES = "share_minutes"
_LENGTH_MINUTES = "length_minutes"
_OPTIONAL = {_SHARE_MINUTES, _LENGTH_MINUTES}
MIN_LENGTH, MAX_LENGTH = 15, 240


@dataclass(frozen=True)
class MeetingFormat:
    id: str
    name: str
    summary: str
    crosstalk: bool  # True: the format permits crosstalk, and etiquette stays quiet
    opening: str  # plain text
    closing: str
    share_minutes: int = int(DEFAULT_TIMER.total_seconds() // 60)
    length_minutes: int = 60


def parse_format(path: Path) -> tuple[MeetingFormat | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, message = toml_error_line(str(error))
        return None, [Problem(path, line, message)]
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(path, None, f"cannot be read: {error}")]
    problems: list[Problem] = []

    def complain(key: str, message: str) -> None:
        problems.append(Problem(path, line_of(text, key), message))

    if set(data) - _OPTIONAL != _KEYS:
        missing, extra = _KEYS - set(data), set(data) - _KEYS - _OPTIONAL
        complain(
            "id", f"keys must be {sorted(_KEYS)}; missing {sorted(missing)}, extra {sorted(extra)}"
        )
        return None, problems
    if not isinstance(data["id"], str) or not _ID.match(data["id"]) or data["id"] != path.stem:
        complain("id", "id must be short, lowercase and hyphenated, and match the file name")
    for key, limit in (
        ("name", MAX_NAME),
        ("summary", MAX_SUMMARY),
        ("opening", MAX_OPENING),
        ("closing", MAX_CLOSING),
    ):
        value = data[key]
        if not isinstance(value, str) or not 0 < len(value.strip()) <= limit:
            complain(key, f"{key} must be text of 1-{limit} characters")
    if not isinstance(data["crosstalk"], bool):
        complain("crosstalk", "crosstalk must be true or false")
    share_minutes = data.get(_SHARE_MINUTES, MeetingFormat.share_minutes)
    if type(share_minutes) is not int or not 1 <= share_minutes <= MAX_TIMER_MINUTES:
        complain(_SHARE_MINUTES, f"share_minutes must be a whole number, 1-{MAX_TIMER_MINUTES}")
    length_minutes = data.get(_LENGTH_MINUTES, MeetingFormat.length_minutes)
    if type(length_minutes) is not int or not MIN_LENGTH <= length_minutes <= MAX_LENGTH:
        complain(
            _LENGTH_MINUTES, f"length_minutes must be a whole number, {MIN_LENGTH}-{MAX_LENGTH}"
        )
    if problems:
        return None, problems
    return MeetingFormat(
        data["id"],
        data["name"],
        data["summary"],
        data["crosstalk"],
        data["opening"].strip(),
        data["closing"].strip(),
        share_minutes,
        length_minutes,
    ), []


def load_formats(
    folder: Path = MEETINGS_DIR, overlay: Path | None = None
) -> dict[str, MeetingFormat]:
    """id -> format, the overlay's replacing the shipped ones; ContentError on any problem."""
    folders = [folder] if overlay is None else [folder, overlay / "meetings"]
    found: dict[str, MeetingFormat] = {}
    problems: list[Problem] = []
    for each in folders:
        for path in sorted(each.glob("*.toml")) if each.is_dir() else []:
            meeting_format, trouble = parse_format(path)
            problems += trouble
            if meeting_format is not None:
                found[meeting_format.id] = meeting_format
    if DEFAULT_FORMAT not in found and not problems:
        problems.append(Problem(folder, None, f"the {DEFAULT_FORMAT} format is missing"))
    if problems:
        raise ContentError(problems)
    return found
