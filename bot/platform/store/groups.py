"""What a group's admins chose: crisis posts on or off (group_settings), and how crosstalk
in meetings is met, per topic (etiquette_settings).

Only these two tables are read or written here, keyed by the group's pseudonym; never a
member's row, never a raw chat id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.platform.privacy import Pseudonym
from bot.platform.store.schema import NO_THREAD, epoch
from bot.platform.store.tables import Tables

GROUP_SETTINGS_LIFETIME = timedelta(days=365)


@dataclass(frozen=True)
class EtiquetteSettings:
    action: str = "remind"  # off, remind or delete
    strictness: str = "standard"  # gentle, standard or strict
    scope: str = "meetings"  # meetings, or always


class GroupSettingsStore(Protocol):
    async def crisis_posts_enabled(self, group: Pseudonym, now: datetime) -> bool: ...
    async def set_crisis_posts(self, group: Pseudonym, enabled: bool, now: datetime) -> None: ...
    async def etiquette(self, group: Pseudonym, thread_id: int | None) -> EtiquetteSettings: ...
    async def set_etiquette(
        self, group: Pseudonym, thread_id: int | None, settings: EtiquetteSettings, now: datetime
    ) -> None: ...


class GroupSettingsTables(Tables):
    async def crisis_posts_enabled(self, group: Pseudonym, now: datetime) -> bool:
        """Whether the group wants crisis posts: on unless its admins turned them off."""
        row = await self._db.fetchrow(
            "SELECT crisis_posts FROM group_settings WHERE pseudonym = $1 AND expires_at > $2",
            group,
            epoch(now),
        )
        return True if row is None else bool(row[0])

    async def set_crisis_posts(self, group: Pseudonym, enabled: bool, now: datetime) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO group_settings (pseudonym, crisis_posts, expires_at) "
                "VALUES ($1, $2, $3) ON CONFLICT (pseudonym) DO UPDATE SET "
                "crisis_posts = excluded.crisis_posts, expires_at = excluded.expires_at",
                group,
                int(enabled),
                epoch(now + GROUP_SETTINGS_LIFETIME),
            )

    async def etiquette(self, group: Pseudonym, thread_id: int | None) -> EtiquetteSettings:
        row = await self._db.fetchrow(
            "SELECT action, strictness, scope FROM etiquette_settings "
            "WHERE pseudonym = $1 AND thread_id = $2",
            group,
            thread_id or NO_THREAD,
        )
        if row is None:
            return EtiquetteSettings()
        return EtiquetteSettings(str(row[0]), str(row[1]), str(row[2]))

    async def set_etiquette(
        self, group: Pseudonym, thread_id: int | None, settings: EtiquetteSettings, now: datetime
    ) -> None:
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO etiquette_settings (pseudonym, thread_id, action, strictness, scope, "
                "expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pseudonym, thread_id) "
                "DO UPDATE SET action = excluded.action, strictness = excluded.strictness, "
                "scope = excluded.scope, expires_at = excluded.expires_at",
                group,
                thread_id or NO_THREAD,
                settings.action,
                settings.strictness,
                settings.scope,
                epoch(now + GROUP_SETTINGS_LIFETIME),
            )
