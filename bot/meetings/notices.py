"""The bot's short-lived messages in groups (a hand raised, a reminder of the etiquette),
deleted on time by whichever instance is up.

The instance that posts one deletes it when its time is up. Beside other instances
(REDIS_URL), each is also noted in shared state until it is deleted: the group's chat id
and the message's, sealed, under a keyed digest of the two. Should its instance stop or die
first (a deploy, a crash), another instance's timer tick finds it overdue and deletes it,
claiming it first so only one does. Without Redis, a notice waits on this process alone,
as it always did.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta

from bot.platform.privacy import Keyring, SealError
from bot.platform.shared import SharedState, SharedStateError

logger = logging.getLogger(__name__)

NOTICES = "notices"
# Left to the instance that posted it for this long past its time; then another takes it.
TAKEN_UP_AFTER = timedelta(seconds=30)
# How long a notice is remembered past its time at most, should nobody delete it.
_KEPT_PAST_ITS_TIME = timedelta(hours=1)
_CLAIMED_FOR = timedelta(minutes=1)

Notice = tuple[int, int]  # (chat id, message id)


class ShortLivedNotices:
    def __init__(self, shared: SharedState, keyring: Keyring) -> None:
        self._shared = shared
        self._keyring = keyring

    async def note(self, notice: Notice, due: datetime, lifetime: timedelta) -> None:
        if not self._shared.spans_instances:
            return
        chat_id, message_id = notice
        plain = f"{chat_id} {message_id} {due.timestamp()}".encode()
        sealed = base64.b64encode(self._keyring.seal_state(plain)).decode("ascii")
        ttl = lifetime + _KEPT_PAST_ITS_TIME
        await self._quietly_put({self._name(notice): sealed}, [], ttl)

    async def deleted(self, notice: Notice) -> None:
        if self._shared.spans_instances:
            await self._quietly_put({}, [self._name(notice)], _KEPT_PAST_ITS_TIME)

    async def overdue(self, now: datetime) -> list[Notice]:
        """Notices past their time and past TAKEN_UP_AFTER, each claimed for the caller
        (another instance's tick gets the others)."""
        if not self._shared.spans_instances:
            return []
        try:
            found = await self._shared.records(NOTICES)
        except SharedStateError as error:
            logger.info("short-lived notices cannot be read (%s)", error)
            return []
        claimed = []
        for name, sealed in found.items():
            opened = self._open(sealed)
            if opened is None or now - opened[1] < TAKEN_UP_AFTER:
                continue
            try:
                if await self._shared.put_new(f"notice-claim:{name}", "1", _CLAIMED_FOR):
                    claimed.append(opened[0])
            except SharedStateError:
                return claimed
        return claimed

    def _name(self, notice: Notice) -> str:
        chat_id, message_id = notice
        return self._keyring.shared_name(f"notice:{chat_id}:{message_id}")

    def _open(self, sealed: str) -> tuple[Notice, datetime] | None:
        try:
            plain = self._keyring.open_state(base64.b64decode(sealed)).decode()
            chat_id, message_id, due = plain.split()
            return (int(chat_id), int(message_id)), datetime.fromtimestamp(float(due), UTC)
        except (SealError, ValueError):
            return None  # another secret's, or altered: its time to live lets it go

    async def _quietly_put(
        self, changed: dict[str, str], removed: list[str], ttl: timedelta
    ) -> None:
        try:
            await self._shared.put_records(NOTICES, changed, removed, ttl)
        except SharedStateError as error:
            # The instance that posted it still deletes it on time.
            logger.info("a short-lived notice cannot be noted (%s)", error)
