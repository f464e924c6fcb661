"""Delivering updates to a webhook, as Telegram does: one at a time, with the secret token
in a header, and again (after a pause) until the bot answers with a 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.sim.updates import UpdateQueue

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
_RETRY_PAUSES = (0.1, 0.3, 1.0)


@dataclass
class WebhookPusher:
    updates: UpdateQueue
    # (update_id, HTTP status or 0 for no answer) for every attempt, for tests to read.
    attempts: list[tuple[int, int]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    target: dict[str, Any] | None = None

    def point_at(self, webhook: dict[str, Any] | None) -> None:
        self.target = webhook
        self._wake.set()

    def nudge(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                target = self.target
                # Only a set webhook looks at the queue: filtering it would drop updates
                # a poller has yet to ask for.
                waiting = self.updates.deliverable() if target is not None else []
                if target is None or not waiting:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                update = waiting[0]
                status = await self._post(session, target, update)
                self.attempts.append((int(update.get("update_id", 0)), status))
                if 200 <= status < 300:
                    self.updates.remove(update)
                    failures = 0
                    continue
                pause = _RETRY_PAUSES[min(failures, len(_RETRY_PAUSES) - 1)]
                failures += 1
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self._wake.wait()

    async def _post(
        self, session: aiohttp.ClientSession, target: dict[str, Any], update: dict[str, Any]
    ) -> int:
        headers = {}
        if target.get("secret_token"):
            headers[SECRET_HEADER] = str(target["secret_token"])
        try:
            async with session.post(str(target["url"]), json=update, headers=headers) as answer:
                return answer.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            return 0
