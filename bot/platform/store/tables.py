"""What each capability's part of the store is written against: one Database.

DatabaseStore (database_store.py) is made of the capabilities' parts and gives them the
database, SQLite or PostgreSQL; nothing here knows which. No tables, no queries.
"""

from __future__ import annotations

from bot.platform.store.database import Database


class Tables:
    """The base of each capability's part of DatabaseStore."""

    _db: Database
