"""Every listed meeting, held in memory and read again only when the directory changed.

/meetings, the offers beside a check-in or a hard moment, and inline cards each need every
listed meeting; reading and building thousands of rows each time would hold up the event
loop. The store keeps a mark that changes with every scheduled meeting or listing added,
moved or removed (by any instance, in the same transaction), so one small read says
whether the copy here is still what the tables hold: a group taken out of the directory
leaves it at once, on every instance.
"""

from __future__ import annotations

from bot.platform.store import Listing, MeetingSchedule, Store

Listed = list[tuple[MeetingSchedule, Listing]]
_NEVER_READ = object()


class ListedMeetings:
    def __init__(self) -> None:
        self._mark: object = _NEVER_READ
        self._listed: Listed = []

    async def read(self, store: Store) -> Listed:
        mark = await store.directory_mark()
        if mark != self._mark:
            self._listed = await store.listed_meetings()
            self._mark = mark
        return self._listed
