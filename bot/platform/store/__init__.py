"""The store: the only package that speaks SQL.

Its API takes keyed pseudonyms and sealed ids, never raw Telegram ids. Every row about a
member expires; one purge deletes what has expired. Every change runs in a transaction.

schema.py holds the migrations. Each capability has a module for its tables (groups,
counts, delivery, peers, meetings, meeting_schedules, meeting_listings, kept_days,
updates): its records, lifetimes, part of the Store interface and queries, written once
against database.py's Database. interface.py joins the parts into Store;
database_store.py is DatabaseStore, the Store on any Database. sqlite.py and postgres.py
are the two databases, each with everything its own, and dialects.py holds the few
statements they write differently. No SQL outside this package, and no raw Telegram id
inside it; code elsewhere imports from this package's top (bot.platform.store), not from
the modules in it.
"""

from bot.platform.store.counts import COUNTS_LIFETIME
from bot.platform.store.database_lock import DatabaseBusy, DatabaseLock
from bot.platform.store.database_store import DatabaseStore
from bot.platform.store.delivery import SUBSCRIPTION_LIFETIME, ZONE_LIFETIME, Subscription
from bot.platform.store.groups import GROUP_SETTINGS_LIFETIME, EtiquetteSettings
from bot.platform.store.interface import Store, StoreError
from bot.platform.store.kept_days import KEPT_DAYS_LIFETIME, KeptDays
from bot.platform.store.meeting_listings import LISTING_LIFETIME, Listing
from bot.platform.store.meeting_schedules import SCHEDULE_LIFETIME, MeetingSchedule, new_slot
from bot.platform.store.meetings import MEETING_LIFETIME, MeetingRecord
from bot.platform.store.peers import (
    BLOCK_LIFETIME,
    DISCREET_LIFETIME,
    LISTENER_LIFETIME,
    LISTENER_STATUSES,
    PEER_SESSION_LIFETIME,
    ListenerRecord,
    PeerSession,
)
from bot.platform.store.postgres import PostgresStore
from bot.platform.store.schema import MIGRATIONS, NO_THREAD
from bot.platform.store.sqlite import DATABASE_FILE_NAME, SqliteStore, _explain
from bot.platform.store.updates import CLAIMS_LIFETIME, Claim

__all__ = [
    "BLOCK_LIFETIME",
    "CLAIMS_LIFETIME",
    "COUNTS_LIFETIME",
    "DATABASE_FILE_NAME",
    "DISCREET_LIFETIME",
    "GROUP_SETTINGS_LIFETIME",
    "KEPT_DAYS_LIFETIME",
    "LISTENER_LIFETIME",
    "LISTENER_STATUSES",
    "LISTING_LIFETIME",
    "MEETING_LIFETIME",
    "MIGRATIONS",
    "NO_THREAD",
    "PEER_SESSION_LIFETIME",
    "SCHEDULE_LIFETIME",
    "SUBSCRIPTION_LIFETIME",
    "ZONE_LIFETIME",
    "Claim",
    "DatabaseBusy",
    "DatabaseLock",
    "DatabaseStore",
    "EtiquetteSettings",
    "KeptDays",
    "ListenerRecord",
    "Listing",
    "MeetingRecord",
    "MeetingSchedule",
    "PeerSession",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "StoreError",
    "Subscription",
    "_explain",
    "new_slot",
]
