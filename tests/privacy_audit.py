"""The privacy audit: search everything the bot keeps (each file in the data folder, and a
dump of PostgreSQL's rows) and every logged line for anything that identifies a member.
Shared by the audit test and its canary."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.platform.logging_setup import RedactingFormatter, set_levels


@dataclass
class KnownMember:
    telegram_id: int
    first_name: str
    username: str
    words: list[str] = field(default_factory=list)


def forbidden_needles(members: list[KnownMember], token: str) -> dict[str, bytes]:
    """Every form in which an identity could leak, named for the failure message."""
    needles: dict[str, bytes] = {"the token": token.encode()}
    for member in members:
        ident = member.telegram_id
        tag = f"member {member.first_name}"
        needles[f"{tag}: id as text"] = str(ident).encode()
        needles[f"{tag}: id as 8 bytes"] = ident.to_bytes(8, "big", signed=True)
        needles[f"{tag}: id as 6 bytes"] = ident.to_bytes(6, "big", signed=True)
        plain_hash = hashlib.sha256(str(ident).encode())
        needles[f"{tag}: unkeyed sha256 (hex)"] = plain_hash.hexdigest().encode()
        needles[f"{tag}: unkeyed sha256 (bytes)"] = plain_hash.digest()
        needles[f"{tag}: name"] = member.first_name.encode()
        needles[f"{tag}: username"] = member.username.encode()
        for number, words in enumerate(member.words):
            needles[f"{tag}: words #{number}"] = words.encode()
    return needles


def find_leaks(stored: dict[str, bytes], log_text: str, needles: dict[str, bytes]) -> list[str]:
    """Each needle found in what is stored (see Harness.stored) or in the log."""
    haystacks = {**stored, "the log": log_text.encode()}
    leaks = []
    for where, content in haystacks.items():
        lowered = content.lower()
        for what, needle in needles.items():
            if needle in content or (needle.isascii() and needle.lower() in lowered):
                leaks.append(f"{what} found in {where}")
    return leaks


class _NotSimulator(logging.Filter):
    """The simulator stands in for Telegram: it is not part of the bot under audit."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith("bot.sim")


@contextmanager
def captured_logs(token: str) -> Iterator[io.StringIO]:
    """Everything logged, with Porchlight's loggers at DEBUG, formatted as in production."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(RedactingFormatter((token,)))
    handler.addFilter(_NotSimulator())
    root = logging.getLogger()
    previous = {name: logging.getLogger(name).level for name in ("", "bot")}
    root.addHandler(handler)
    set_levels("DEBUG")
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        for name, level in previous.items():
            logging.getLogger(name or None).setLevel(level)
