"""The directory's mark: a random value in meta, changed in the same transaction as any
scheduled meeting or listing added, moved or removed, so an instance holding the listed
meetings in memory knows, with one small read, whether they are still what the tables
say (bot.meetings.listed)."""

from __future__ import annotations

import secrets

from bot.platform.store.database import Database

DIRECTORY_MARK = "directory_mark"


async def mark_directory_changed(database: Database) -> None:
    """Call inside the transaction that changed the directory's rows."""
    await database.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        DIRECTORY_MARK,
        secrets.token_hex(8),
    )


async def directory_mark(database: Database) -> str | None:
    row = await database.fetchrow("SELECT value FROM meta WHERE key = $1", DIRECTORY_MARK)
    return None if row is None else str(row[0])
