"""Telegram's broadcast limits, enforced on request: a 429 with retry_after past them.

About 30 messages a second overall, about one a second into one chat, and 20 a minute
into one group (shared by all its topics). Sliding windows over what was accepted.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SENDING_METHODS = frozenset(
    {"sendmessage", "copymessage", "forwardmessage", "sendphoto", "senddocument", "sendsticker"}
)


@dataclass
class RateLimits:
    overall_per_second: int = 30
    chat_per_second: int = 1
    group_per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    _overall: deque[float] = field(default_factory=deque)
    _chats: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    refused: int = 0

    def check(self, method: str, params: dict[str, Any]) -> int | None:
        """None to accept (and count) the call, or the seconds to wait before retrying."""
        if method.lower() not in SENDING_METHODS:
            return None
        now = self.clock()
        chat = _chat_id(params.get("chat_id"))
        waits = [_wait(self._overall, now, 1.0, self.overall_per_second)]
        if chat is not None:
            window, limit = (
                (60.0, self.group_per_minute) if chat < 0 else (1.0, self.chat_per_second)
            )
            waits.append(_wait(self._chats[chat], now, window, limit))
        longest = max(waits)
        if longest > 0:
            self.refused += 1
            return max(1, math.ceil(longest))
        self._overall.append(now)
        if chat is not None:
            self._chats[chat].append(now)
        return None


def _wait(sent: deque[float], now: float, window: float, limit: int) -> float:
    while sent and now - sent[0] >= window:
        sent.popleft()
    return 0.0 if len(sent) < limit else sent[0] + window - now


def _chat_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
