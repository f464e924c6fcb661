"""The one data inventory: every stored table and file, its columns and how it is erased.

/privacy, the README's privacy table and the privacy audit test all read this (the words
for members live in the catalogue under privacy.tables.<name> and privacy.files.<name>).
A table in the database that is not declared here fails the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.datalock import LOCK_FILE_NAME
from bot.privacy import SECRET_FILE_NAME


@dataclass(frozen=True)
class StoredTable:
    name: str
    # Every column, with what it holds: the audit test compares these with the schema.
    columns: dict[str, str]
    # The column holding a member's or chat's keyed pseudonym; /forget erases by it.
    pseudonym_column: str | None = None
    # The column holding a sealed (encrypted) chat id, re-sealed when a group migrates.
    sealed_column: str | None = None
    # Rows about members must expire; only bookkeeping about the store itself may not.
    expires: bool = True


@dataclass(frozen=True)
class StoredFile:
    name: str


TABLES: tuple[StoredTable, ...] = (
    StoredTable(
        name="meta",
        columns={"key": "a bookkeeping name", "value": "a check value of the secret"},
        expires=False,
    ),
    StoredTable(
        name="group_settings",
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the group's chat id, never the id itself",
            "crisis_posts": "whether the group's admins want crisis posts in the group",
            "expires_at": "when the row is deleted",
        },
        pseudonym_column="pseudonym",
    ),
    StoredTable(
        name="daily_counts",
        columns={
            "day": "a date (UTC)",
            "name": "what was counted, such as crisis answers in private chats",
            "count": "how many times that day",
            "expires_at": "when the row is deleted",
        },
    ),
    StoredTable(
        name="chat_preferences",
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the chat id, never the id itself",
            "zone": "the chat's time zone, such as Europe/Berlin",
            "expires_at": "when the row is deleted: 180 days after last use",
        },
        pseudonym_column="pseudonym",
    ),
    StoredTable(
        name="subscriptions",
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the chat id, to find the row",
            "kind": "what is delivered: the daily reflection, or a check-in nudge",
            "thread_id": "the forum topic to deliver into (0 for none)",
            "sealed_chat": "the chat id, encrypted: the one thing needed to deliver",
            "minute": "the local minute of the day to deliver at",
            "zone": "the time zone that minute is in",
            "last_delivered": "the local day of the last delivery",
            "next_due_at": "when the next delivery is due",
            "expires_at": "when the row is deleted if deliveries stop reaching the chat",
        },
        pseudonym_column="pseudonym",
        sealed_column="sealed_chat",
    ),
)

FILES: tuple[StoredFile, ...] = (StoredFile(SECRET_FILE_NAME), StoredFile(LOCK_FILE_NAME))
