"""The Store the bot is written against, whatever database is behind it: each
capability's part, with what spans every table (health, /forget, a group's new id, the
purge), and StoreError for a database that cannot be used.

Only the interface lives here: no SQL, and nothing of one database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store.counts import CountsStore
from bot.platform.store.delivery import DeliveryStore
from bot.platform.store.groups import GroupSettingsStore
from bot.platform.store.kept_days import KeptDaysStore
from bot.platform.store.meeting_listings import MeetingListingStore
from bot.platform.store.meeting_schedules import MeetingScheduleStore
from bot.platform.store.meetings import MeetingStore
from bot.platform.store.peers import PeerStore
from bot.platform.store.updates import UpdateClaimsStore


class StoreError(Exception):
    """The database cannot be used; the message says why in one line for the operator."""


class Store(
    GroupSettingsStore,
    CountsStore,
    DeliveryStore,
    PeerStore,
    MeetingStore,
    MeetingScheduleStore,
    MeetingListingStore,
    KeptDaysStore,
    UpdateClaimsStore,
    Protocol,
):
    """What the bot needs from storage; a server database can be a second backend."""

    async def close(self) -> None: ...
    async def healthy(self, now: datetime) -> bool: ...
    async def forget(self, member: Pseudonym) -> int: ...
    async def move_chat(self, old: Pseudonym, new: Pseudonym, sealed: SealedId) -> int: ...
    async def purge_expired(self, now: datetime) -> int: ...
