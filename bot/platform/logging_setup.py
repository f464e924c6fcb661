"""Logging that keeps secrets.

PORCHLIGHT_LOG_LEVEL sets Porchlight's own loggers only. The libraries stay at WARNING
whatever it says: at DEBUG PTB logs whole updates and API parameters, aiosqlite logs SQL
with its values, and httpx logs request URLs, which carry the token, at INFO.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

LIBRARY_LOGGERS = (
    "telegram",
    "httpx",
    "httpcore",
    "aiosqlite",
    "asyncpg",
    "apscheduler",
    "aiohttp",
    "tornado",
    "asyncio",
)
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Removes the bot token from every line, tracebacks included: a second line of defence."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__(_FORMAT)
        self._secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def set_levels(level: str) -> None:
    """Porchlight's loggers at level; every library's at WARNING, whatever level says."""
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("bot").setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str, *, token: str, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter((token,)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    set_levels(level)
