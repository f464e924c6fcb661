"""Someone in a meeting may be in distress: remembered as a time per chat and topic, only.

While a message in a chat (or forum topic) was read as a crisis or a concern in the last
DISTRESS_WINDOW, replies that care for that person are never crosstalk, and the person
running the meeting is told once, privately, per episode. An episode starts with the first
distress after a quiet window and lasts while distress keeps coming within it. Nothing
about who was in distress, or what they wrote, is kept: the chat id, the topic, a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# How long after a message read as a crisis or a concern the meeting is read in its light.
DISTRESS_WINDOW = timedelta(minutes=15)

Place = tuple[int, int | None]  # (chat id, forum topic or None)


class RecentDistress:
    """When distress was last read in each place: memory only, let go of after the window."""

    def __init__(self, window: timedelta = DISTRESS_WINDOW) -> None:
        self.window = window
        self._last: dict[Place, datetime] = {}

    def note(self, place: Place, now: datetime) -> bool:
        """Distress read here now; True when it starts a new episode."""
        new = not self.within(place, now)
        self._last[place] = now
        return new

    def within(self, place: Place, now: datetime) -> bool:
        last = self._last.get(place)
        return last is not None and now - last <= self.window

    def sweep(self, now: datetime) -> None:
        """The memory tick: every place quiet for longer than the window is let go of."""
        for place in [p for p, last in self._last.items() if now - last > self.window]:
            del self._last[place]

    def forget_chat(self, chat_id: int) -> None:
        """The bot left the group."""
        for place in [p for p in self._last if p[0] == chat_id]:
            del self._last[place]

    def __len__(self) -> int:
        return len(self._last)
