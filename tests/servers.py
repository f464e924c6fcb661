"""The servers some tests need (PostgreSQL, Redis): where a setting names one, or the
local default; skipped, saying why, where none answers.

Set, the setting's server must answer (CI sets it, so a server that is down fails the run
instead of skipping half of it); `off` skips those tests on purpose.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import pytest


@dataclass(frozen=True)
class Server:
    name: str  # as the skip reason says it, e.g. PostgreSQL
    setting: str  # the environment variable naming it
    local: str  # the URL tried when the setting is unset

    def url(self) -> str | None:
        """The server's URL, or None to skip."""
        return _answering(self)

    def require(self) -> str:
        """The server's URL, or skip this test saying why."""
        url = self.url()
        if url is None:
            reason = (
                f"{self.setting}=off"
                if os.environ.get(self.setting) == "off"
                else f"no {self.name} at {self.local} (set {self.setting} to a server's URL)"
            )
            pytest.skip(f"{self.name} tests skipped: {reason}")
        return url


@cache
def _answering(server: Server) -> str | None:
    chosen = os.environ.get(server.setting, "")
    if chosen == "off":
        return None
    url = chosen or server.local
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "localhost", parts.port or 0), 1).close()
    except OSError:
        if chosen:
            pytest.fail(f"{server.setting} names a server that does not answer", False)
        return None
    return url
