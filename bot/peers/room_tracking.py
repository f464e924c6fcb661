"""Which people's entries in the peer room may have changed, so writing the shared room
visits only those (bot/peers/shared_room.py).

The room's per-person tables, chat logs and pairs become TrackedDicts: reaching an entry
in any way that could lead to changing it (reading it, setting it, removing it) marks
its person; walking the whole table marks everyone. Marks are conservative: a read that
changed nothing costs a comparison, never a missed change. The small parts of the room
(listeners, the line, offers, blocks, the serial) are compared whole every time instead.
"""

from __future__ import annotations

from _collections_abc import dict_items, dict_keys, dict_values
from collections.abc import ItemsView, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.peers.room import PeerRoom
from bot.platform.privacy import Pseudonym


@dataclass
class Touched:
    people: set[Pseudonym] = field(default_factory=set)
    everyone: bool = False

    def clear(self) -> None:
        self.people.clear()
        self.everyone = False


class TrackedDict(dict[Pseudonym, Any]):
    """A dict that marks, in touched, each key reached and everyone when walked."""

    def __init__(self, touched: Touched, *args: Any) -> None:
        super().__init__(*args)
        self._touched = touched

    def __getitem__(self, key: Pseudonym) -> Any:
        self._touched.people.add(key)
        return super().__getitem__(key)

    def get(self, key: Pseudonym, default: Any = None) -> Any:
        self._touched.people.add(key)
        return super().get(key, default)

    def setdefault(self, key: Pseudonym, default: Any = None) -> Any:
        self._touched.people.add(key)
        return super().setdefault(key, default)

    def __setitem__(self, key: Pseudonym, value: Any) -> None:
        self._touched.people.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: Pseudonym) -> None:
        self._touched.people.add(key)
        super().__delitem__(key)

    def pop(self, key: Pseudonym, *default: Any) -> Any:
        self._touched.people.add(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[Pseudonym, Any]:
        self._touched.everyone = True
        return super().popitem()

    def clear(self) -> None:
        self._touched.everyone = True
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._touched.everyone = True
        super().update(*args, **kwargs)

    def __ior__(self, other: Any) -> TrackedDict:  # type: ignore[override,misc]
        self._touched.everyone = True
        super().update(other)
        return self

    def __iter__(self) -> Iterator[Pseudonym]:
        self._touched.everyone = True
        return super().__iter__()

    def keys(self) -> dict_keys[Pseudonym, Any]:
        self._touched.everyone = True
        return super().keys()

    def values(self) -> dict_values[Pseudonym, Any]:
        self._touched.everyone = True
        return super().values()

    def items(self) -> dict_items[Pseudonym, Any]:
        self._touched.everyone = True
        return super().items()

    def quietly(self) -> dict_items[Pseudonym, Any]:
        """Every entry, marking no one: for reading the records, not for changing them."""
        return super().items()


# The tables whose entries are tracked; the rest of the room is compared whole.
TRACKED_TABLES = (
    "chat_ids",
    "languages",
    "checkins",
    "sent",
    "deletable",
    "reports",
    "asks",
    "offer_messages",
    "offer_serials",
    "told_to_wait_on",
    "held_contacts",
    "shift_requests",
    "logs",
)


def track(room: PeerRoom, touched: Touched) -> None:
    """Make the room's per-person tables, logs and pairs mark what is reached, in place
    (their contents kept)."""
    for name in TRACKED_TABLES:
        table = getattr(room, name)
        if not isinstance(table, TrackedDict):
            setattr(room, name, TrackedDict(touched, dict.items(table)))
    mm = room.matchmaker
    if not isinstance(mm.pairs, TrackedDict):
        mm.pairs = TrackedDict(touched, dict.items(mm.pairs))


def entries(table: dict[Pseudonym, Any]) -> ItemsView[Pseudonym, Any]:
    """A table's entries, marking no one if it is tracked."""
    return table.quietly() if isinstance(table, TrackedDict) else table.items()
