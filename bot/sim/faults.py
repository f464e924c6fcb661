"""Faults injected on request: 429s, 5xx answers, slow answers, dropped connections, timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["429", "500", "502", "slow", "drop", "timeout"]
FAULT_KINDS: tuple[str, ...] = ("429", "500", "502", "slow", "drop", "timeout")


@dataclass
class Fault:
    method: str | None  # None: any method except getUpdates
    kind: FaultKind
    times: int
    retry_after: int
    delay: float
    chat_id: int | str | None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is None:
            # Polling runs all the time; a catch-all fault would mostly hit it by accident.
            if method.lower() == "getupdates":
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)


class Faults:
    def __init__(self) -> None:
        self._planned: list[Fault] = []

    def add(
        self,
        method: str | None,
        kind: FaultKind,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 0.5,
        chat_id: int | str | None = None,
    ) -> Fault:
        """Make the next `times` matching calls fail as `kind`.

        method None matches every method except getUpdates (name it to fault polling).
        "slow" answers normally after `delay` seconds; "timeout" carries the call out but
        holds the answer back for max(delay, 60) seconds, past any client read timeout;
        "drop" closes the connection without carrying the call out.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method, kind, times, retry_after, delay, chat_id)
        self._planned.append(fault)
        return fault

    def clear(self) -> None:
        self._planned.clear()

    def take(self, method: str, params: dict[str, Any]) -> Fault | None:
        """Consume one use of the first fault matching this call."""
        for fault in self._planned:
            if fault.matches(method, params):
                fault.times -= 1
                if fault.times == 0:
                    self._planned.remove(fault)
                return fault
        return None

    def __len__(self) -> int:
        return len(self._planned)
