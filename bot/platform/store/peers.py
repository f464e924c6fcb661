"""What peer support keeps across a restart: listeners (listeners), who blocked whom
(blocks), who was waiting, offering or in a peer chat (peer_sessions), and the chats in
discreet mode (discreet_chats).

Only these tables are read or written here, by pseudonyms and sealed ids. Never what was
said in a peer chat, nor who was paired with whom: those live in memory (bot.peers.room).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store.schema import epoch
from bot.platform.store.tables import Tables

LISTENER_LIFETIME = timedelta(days=180)
BLOCK_LIFETIME = timedelta(days=30)
# No peer chat or shift outlives twelve hours; an hour more covers a restart.
PEER_SESSION_LIFETIME = timedelta(hours=13)
DISCREET_LIFETIME = timedelta(days=180)


@dataclass(frozen=True)
class ListenerRecord:
    who: Pseudonym
    ref: str  # a short random reference: what moderators' buttons carry, never the id
    status: str  # one of LISTENER_STATUSES
    guide_accepted: bool
    sealed_chat: SealedId  # empty once suspended: nothing more is ever sent


@dataclass(frozen=True)
class PeerSession:
    """Someone waiting for, offering or in a peer chat: after a restart they are told."""

    who: Pseudonym
    role: str
    sealed_chat: SealedId


LISTENER_STATUSES = ("pending", "approved", "declined", "suspended")


class PeerStore(Protocol):
    async def listener(self, who: Pseudonym) -> ListenerRecord | None: ...
    async def listener_by_ref(self, ref: str) -> ListenerRecord | None: ...
    async def save_listener(self, record: ListenerRecord, now: datetime) -> None: ...
    async def block(self, blocker: Pseudonym, blocked: Pseudonym, now: datetime) -> None: ...
    async def blocks(self, now: datetime) -> set[tuple[Pseudonym, Pseudonym]]: ...
    async def set_peer_session(self, session: PeerSession, now: datetime) -> None: ...
    async def end_peer_session(self, who: Pseudonym) -> None: ...
    async def take_peer_sessions(self) -> list[PeerSession]: ...
    async def set_discreet(self, chat: Pseudonym, on: bool, now: datetime) -> None: ...
    async def discreet_chats(self, now: datetime) -> set[Pseudonym]: ...


class PeersTables(Tables):
    async def listener(self, who: Pseudonym) -> ListenerRecord | None:
        return await self._listener("pseudonym = $1", who)

    async def listener_by_ref(self, ref: str) -> ListenerRecord | None:
        return await self._listener("ref = $1", ref)

    async def _listener(self, where: str, value: str) -> ListenerRecord | None:
        columns = "pseudonym, ref, status, guide_accepted, sealed_chat"
        query = f"SELECT {columns} FROM listeners WHERE {where}"  # noqa: S608 - fixed clauses above
        row = await self._db.fetchrow(query, value)
        if row is None:
            return None
        return ListenerRecord(
            Pseudonym(row[0]), str(row[1]), str(row[2]), bool(row[3]), SealedId(row[4])
        )

    async def save_listener(self, record: ListenerRecord, now: datetime) -> None:
        """Insert or update; a listener's row lives 180 days after its last change."""
        if record.status not in LISTENER_STATUSES:
            raise ValueError(record.status)
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO listeners (pseudonym, ref, status, guide_accepted, sealed_chat, "
                "expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pseudonym) DO UPDATE "
                "SET status = excluded.status, guide_accepted = excluded.guide_accepted, "
                "sealed_chat = excluded.sealed_chat, expires_at = excluded.expires_at",
                record.who,
                record.ref,
                record.status,
                int(record.guide_accepted),
                record.sealed_chat,
                epoch(now + LISTENER_LIFETIME),
            )

    async def block(self, blocker: Pseudonym, blocked: Pseudonym, now: datetime) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO blocks (blocker, blocked, expires_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (blocker, blocked) DO UPDATE SET expires_at = excluded.expires_at",
                blocker,
                blocked,
                epoch(now + BLOCK_LIFETIME),
            )

    async def blocks(self, now: datetime) -> set[tuple[Pseudonym, Pseudonym]]:
        """Every live block as (blocker, blocked)."""
        rows = await self._db.fetch(
            "SELECT blocker, blocked FROM blocks WHERE expires_at > $1", epoch(now)
        )
        return {(Pseudonym(a), Pseudonym(b)) for a, b in rows}

    async def set_peer_session(self, session: PeerSession, now: datetime) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO peer_sessions (pseudonym, role, sealed_chat, expires_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (pseudonym) DO UPDATE SET "
                "role = excluded.role, sealed_chat = excluded.sealed_chat, "
                "expires_at = excluded.expires_at",
                session.who,
                session.role,
                session.sealed_chat,
                epoch(now + PEER_SESSION_LIFETIME),
            )

    async def end_peer_session(self, who: Pseudonym) -> None:
        async with self._db.transaction():
            await self._db.execute("DELETE FROM peer_sessions WHERE pseudonym = $1", who)

    async def take_peer_sessions(self) -> list[PeerSession]:
        """Every session a previous run left behind, deleted as it is read (at start)."""
        async with self._db.transaction():
            rows = await self._db.fetch("SELECT pseudonym, role, sealed_chat FROM peer_sessions")
            await self._db.execute("DELETE FROM peer_sessions")
        await self._db.erased()
        return [PeerSession(Pseudonym(r[0]), str(r[1]), SealedId(r[2])) for r in rows]

    async def set_discreet(self, chat: Pseudonym, on: bool, now: datetime) -> None:
        async with self._db.transaction():
            if on:
                await self._db.execute(
                    "INSERT INTO discreet_chats (pseudonym, expires_at) VALUES ($1, $2) "
                    "ON CONFLICT (pseudonym) DO UPDATE SET expires_at = excluded.expires_at",
                    chat,
                    epoch(now + DISCREET_LIFETIME),
                )
            else:
                await self._db.execute("DELETE FROM discreet_chats WHERE pseudonym = $1", chat)

    async def discreet_chats(self, now: datetime) -> set[Pseudonym]:
        rows = await self._db.fetch(
            "SELECT pseudonym FROM discreet_chats WHERE expires_at > $1", epoch(now)
        )
        return {Pseudonym(row[0]) for row in rows}
