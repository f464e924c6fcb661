"""The one data inventory: every stored table and file, its columns and how it is erased.

/privacy, the README's privacy table and the privacy audit test all read this (the words
for members live in the catalogue under privacy.tables.<name> and privacy.files.<name>).
A table in the database that is not declared here fails the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.platform.datalock import LOCK_FILE_NAME
from bot.platform.privacy import SECRET_FILE_NAME


@dataclass(frozen=True)
class StoredTable:
    name: str
    # Every column, with what it holds: the audit test compares these with the schema.
    columns: dict[str, str]
    # The primary key's columns: a group's rows moving to its new id replace any of the
    # same key already there (the test compares these with the schema too).
    primary_key: tuple[str, ...] = ()
    # The column holding a member's or chat's keyed pseudonym; /forget erases by it.
    pseudonym_column: str | None = None
    # A member's keyed pseudonym in a row that belongs to a group: /forget erases by it too.
    member_column: str | None = None
    # The column holding a sealed (encrypted) chat id, re-sealed when a group migrates.
    sealed_column: str | None = None
    # Rows about members must expire; only bookkeeping about the store itself may not.
    expires: bool = True
    # Rows /forget leaves in place (an SQL condition): protection others have from this
    # member, such as a moderators' suspension, must not be undone by the member.
    forget_keeps: str | None = None


@dataclass(frozen=True)
class StoredFile:
    name: str


TABLES: tuple[StoredTable, ...] = (
    StoredTable(
        name="meta",
        primary_key=("key",),
        columns={
            "key": "a bookkeeping name",
            "value": "a check value of the secret, when health was last checked, or a "
            "random mark changed with the meeting directory",
        },
        expires=False,
    ),
    StoredTable(
        name="group_settings",
        primary_key=("pseudonym",),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the group's chat id, never the id itself",
            "crisis_posts": "whether the group's admins want crisis posts in the group",
            "expires_at": "when the row is deleted",
        },
        pseudonym_column="pseudonym",
    ),
    StoredTable(
        name="daily_counts",
        primary_key=("day", "name"),
        columns={
            "day": "a date (UTC)",
            "name": "what was counted, such as crisis answers in private chats",
            "count": "how many times that day",
            "expires_at": "when the row is deleted",
        },
    ),
    StoredTable(
        name="chat_preferences",
        primary_key=("pseudonym",),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the chat id, never the id itself",
            "zone": "the chat's time zone, such as Europe/Berlin",
            "expires_at": "when the row is deleted: 180 days after last use",
        },
        pseudonym_column="pseudonym",
    ),
    StoredTable(
        name="subscriptions",
        primary_key=("pseudonym", "kind", "thread_id"),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the chat id, to find the row",
            "kind": "what is delivered: the daily reflection, or a check-in nudge",
            "thread_id": "the forum topic to deliver into (0 for none)",
            "sealed_chat": "the chat id, encrypted: the one thing needed to deliver",
            "minute": "the local minute of the day to deliver at",
            "zone": "the time zone that minute is in",
            "last_delivered": "the local day of the last delivery",
            "next_due_at": "when the next delivery is due",
            "language": "the language to deliver in, such as es",
            "planned_at": "when next_due_at was worked out, to notice the clock going back",
            "refusals": "how many deliveries in a row Telegram refused (no rights, a closed topic)",
            "refused_since": "when the first of those refusals was; after three days it goes",
            "lease_until": "until when the instance delivering it holds it",
            "claimed_by": "a random number for the delivery round that holds it",
            "expires_at": "when the row is deleted if deliveries stop reaching the chat",
        },
        pseudonym_column="pseudonym",
        sealed_column="sealed_chat",
    ),
    StoredTable(
        name="listeners",
        primary_key=("pseudonym",),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the listener's id",
            "ref": "a random reference moderators' buttons carry instead of any id",
            "status": "pending, approved, declined or suspended",
            "guide_accepted": "whether the listener accepted the listeners' guide",
            "sealed_chat": "the chat id, encrypted, to send the moderators' answers",
            "expires_at": "when the row is deleted: 180 days after the last change",
        },
        pseudonym_column="pseudonym",
        sealed_column="sealed_chat",
        forget_keeps="status = 'suspended'",
    ),
    StoredTable(
        name="blocks",
        primary_key=("blocker", "blocked"),
        columns={
            "blocker": "a keyed pseudonym (HMAC) of who blocked",
            "blocked": "a keyed pseudonym (HMAC) of whom they blocked",
            "expires_at": "when the row is deleted: 30 days after the block",
        },
        pseudonym_column="blocker",
    ),
    StoredTable(
        name="peer_sessions",
        primary_key=("pseudonym",),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of someone waiting, listening or in a chat",
            "role": "waiting, listening or chatting",
            "sealed_chat": "the chat id, encrypted, to tell them if a restart ends it",
            "expires_at": "when the row is deleted: 13 hours at most",
        },
        pseudonym_column="pseudonym",
        sealed_column="sealed_chat",
    ),
    StoredTable(
        name="meetings",
        primary_key=("pseudonym", "thread_id"),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the group's chat id",
            "thread_id": "the forum topic the meeting runs in (0 for none)",
            "sealed_chat": "the group's chat id, encrypted, to post in it after a restart",
            "format_id": "the meeting's format, such as open-discussion",
            "timer_minutes": "the share timer",
            "started_at": "when the meeting started",
            "expires_at": "when the row is deleted: at /meeting end, or 12 hours at most",
        },
        pseudonym_column="pseudonym",
        sealed_column="sealed_chat",
    ),
    StoredTable(
        name="meeting_chairs",
        primary_key=("pseudonym", "thread_id", "member"),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the group's chat id",
            "thread_id": "the forum topic the member may chair in (0 for none)",
            "member": "a keyed pseudonym (HMAC) of a member the admins allowed to chair",
            "expires_at": "when the row is deleted: a year after it was given",
        },
        pseudonym_column="pseudonym",
        member_column="member",
    ),
    StoredTable(
        name="meeting_schedules",
        primary_key=("pseudonym", "thread_id", "slot"),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the group's chat id",
            "thread_id": "the forum topic the meetings are in (0 for none)",
            "slot": "a random name for the schedule, to tell it from the topic's others",
            "sealed_chat": "the group's chat id, encrypted, to open and close the meetings",
            "days": "the weekdays the meeting is on",
            "minute": "the minute of the day it starts, in the group's time zone",
            "zone": "the group's time zone, such as Europe/London",
            "format_id": "the meeting's format, such as open-discussion",
            "title": "the meeting's title as the group's admins wrote it (or nothing)",
            "language": "the language of the bot's notices about it in the group",
            "start_at": "the meeting's next (or current) start",
            "stage": "whether that start's notice is posted and the meeting opened",
            "next_at": "when the bot looks at the schedule next",
            "lease_until": "until when an instance working on it holds it",
            "claimed_by": "a random number for the round of the tick that holds it",
            "expires_at": "when the row is deleted: at /meeting unschedule, when the bot "
            "leaves the group, or 60 days after the bot last looked at it",
        },
        pseudonym_column="pseudonym",
        sealed_column="sealed_chat",
    ),
    StoredTable(
        name="meeting_listings",
        primary_key=("pseudonym",),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of a group that listed its meetings",
            "sealed_chat": "the group's chat id, encrypted, to check its link and tell its admins",
            "invite_link": "the invite link the bot made for the group, shown in /meetings",
            "language": "the language the group's admins said its meetings are in",
            "newcomers": "whether the admins said newcomers are welcome",
            "approval": "whether the link asks the admins to approve each person",
            "checked_at": "when the bot last checked that the link works",
            "expires_at": "when the row is deleted: at /meeting listing off, when the bot "
            "leaves the group or the link stops working, or 30 days after the last check",
        },
        pseudonym_column="pseudonym",
        sealed_column="sealed_chat",
    ),
    StoredTable(
        name="etiquette_settings",
        primary_key=("pseudonym", "thread_id"),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of the group's chat id",
            "thread_id": "the forum topic the settings are for (0 for the whole group)",
            "action": "what the bot does about crosstalk: off, remind or delete",
            "strictness": "gentle, standard or strict",
            "scope": "during meetings only, or always",
            "expires_at": "when the row is deleted: a year after the last change",
        },
        pseudonym_column="pseudonym",
    ),
    StoredTable(
        name="discreet_chats",
        primary_key=("pseudonym",),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of a chat that asked for discreet mode",
            "expires_at": "when the row is deleted: 180 days after it was turned on",
        },
        pseudonym_column="pseudonym",
    ),
    StoredTable(
        name="kept_days",
        primary_key=("pseudonym",),
        columns={
            "pseudonym": "a keyed pseudonym (HMAC) of a member who chose to keep a date",
            "sealed_start": "the date they count days from, encrypted; never kept in clear",
            "expires_at": "when the row is deleted: at /days forget, /forget or blocking "
            "the bot, or 400 days after they last used /days or had a milestone",
        },
        pseudonym_column="pseudonym",
    ),
    StoredTable(
        name="update_claims",
        primary_key=("update_id",),
        columns={
            "update_id": "Telegram's number for an update it sent, never who sent it",
            "done": "whether the update has been processed",
            "lease_until": "until when the instance processing it holds it",
            "expires_at": "when the row is deleted: a day after the update came",
        },
    ),
)


def table(name: str) -> StoredTable:
    """The inventory's entry for a table; KeyError for one it does not list."""
    for entry in TABLES:
        if entry.name == name:
            return entry
    raise KeyError(name)


FILES: tuple[StoredFile, ...] = (StoredFile(SECRET_FILE_NAME), StoredFile(LOCK_FILE_NAME))


@dataclass(frozen=True)
class HeldInMemory:
    """Something the bot holds in memory only, about people, and for how long. The memory
    tick (bot/memory.py) lets go of each on time; /forget clears a member from
    each at once; tests/test_memory.py checks both for every entry."""

    name: str
    holds: str
    lifetime: str
    # Held only while an update or a send is in progress: nothing for the tick to sweep.
    in_flight: bool = False


MEMORY: tuple[HeldInMemory, ...] = (
    HeldInMemory(
        "peer line, shifts, offers and chats",
        "keyed pseudonyms, aliases and times of who waits, listens or talks",
        "until the wait, offer, shift or chat ends (2-minute offers, 20 quiet minutes, "
        "12-hour shifts)",
    ),
    HeldInMemory(
        "peer chat ids",
        "the chat ids needed to reach people in a peer chat, in line or on shift",
        "as long as they wait, listen, talk or may still delete copies or report",
    ),
    HeldInMemory("check-ins", "a check-in's mood and the member's own few words", "30 minutes"),
    HeldInMemory(
        "live chats' last messages and the bot's copies",
        "the last six relayed messages (for a report) and the bot's message ids",
        "until the chat ends",
    ),
    HeldInMemory(
        "copies that may still be deleted",
        "the bot's message ids and the chat id, for the offer to delete them",
        "47 hours (Telegram allows deleting for 48)",
    ),
    HeldInMemory(
        "reports waiting for a reason",
        "the aliases and the last six relayed messages, until the reason is tapped",
        "30 minutes",
    ),
    HeldInMemory("asks for a peer", "when a member asked for a peer", "an hour"),
    HeldInMemory("blocks", "pairs of keyed pseudonyms", "30 days, as in the store"),
    HeldInMemory(
        "discreet chats", "keyed pseudonyms", "until /discreet off or /forget, as in the store"
    ),
    HeldInMemory(
        "messages with contact details, held",
        "the words of a peer-chat message with a phone number, @username, link or address in"
        " it, until its sender says send or don't",
        "until the sender answers or the chat ends",
    ),
    HeldInMemory(
        "peer languages, offers and shift requests",
        "the language to write in, an open offer's message id, a shift asked for, how long a"
        " waiting member was last told they had waited",
        "while in the line, the chat or the shift",
    ),
    HeldInMemory(
        "meetings",
        "a running meeting's chat id, its queue (Telegram ids and first names), who was "
        "reminded of the etiquette, and the Telegram id and language of whoever runs it "
        "(sealed in Redis too with REDIS_URL)",
        "until /meeting end, and 12 hours at most",
    ),
    HeldInMemory(
        "distress in meetings",
        "a keyed digest of a group's chat id, the topic, and when a message there was last "
        "read as a crisis or a concern; never who wrote it or what (in Redis with REDIS_URL)",
        "15 minutes",
    ),
    HeldInMemory("group admins", "a group's admins' Telegram ids", "5 minutes"),
    HeldInMemory(
        "reminders outside meetings",
        "keyed digests of a member reminded of the etiquette and of the group, the topic and "
        "when (in Redis with REDIS_URL)",
        "a day",
    ),
    HeldInMemory(
        "crisis verdicts and answered messages",
        "update ids, message ids and the chat's keyed pseudonym; never words",
        "10 minutes",
    ),
    HeldInMemory(
        "embeddings for the etiquette",
        "a group message's sentence embedding (numbers, not its words), by update id",
        "until the etiquette reads it, within the same update; at most 10 minutes",
    ),
    HeldInMemory(
        "recent crises",
        "keyed pseudonyms of a chat and member, and the time (in Redis with REDIS_URL)",
        "10 minutes",
    ),
    HeldInMemory(
        "erasures to try again",
        "the keyed pseudonym of a member whose /forget the store could not carry out yet",
        "until a later try (one a minute) erases their rows",
    ),
    HeldInMemory(
        "updates in progress",
        "chat and Telegram ids of updates being handled, for their order and pace",
        "while they are handled",
        in_flight=True,
    ),
    HeldInMemory(
        "messages being relayed or assessed",
        "a member's words on their way to the other side of a peer chat, or to the crisis model "
        "(whose encoder the etiquette reads them with too)",
        "while they are sent or read: seconds",
        in_flight=True,
    ),
)
