"""Delivering updates to a webhook, as Telegram does: a chat's updates one at a time and
in order, each only once the one before was answered with a 2xx (again, after a pause,
until it is); different chats side by side, up to the webhook's max_connections; the
secret token in a header."""

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
# Telegram's default when setWebhook names no max_connections.
DEFAULT_CONNECTIONS = 40
# How long Telegram waits for an answer before it counts the attempt as failed.
ANSWER_SECONDS = 10


def chat_of(update: dict[str, Any]) -> tuple[str, int]:
    """What a webhook's updates are ordered by: their chat, or else their sender (inline
    queries), or else nothing but themselves."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return ("chat", int(chat["id"]))
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return ("user", int(sender["id"]))
    return ("update", int(update.get("update_id", 0)))


@dataclass
class WebhookPusher:
    updates: UpdateQueue
    # (update_id, HTTP status or 0 for no answer) for every attempt, for tests to read.
    attempts: list[tuple[int, int]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    target: dict[str, Any] | None = None
    # The chats with an update on its way (or resting before it is sent again).
    _sending: dict[tuple[str, int], asyncio.Task[None]] = field(default_factory=dict)
    _failures: dict[tuple[str, int], int] = field(default_factory=dict)

    def point_at(self, webhook: dict[str, Any] | None) -> None:
        self.target = webhook
        self._wake.set()

    def nudge(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        tasks = [task for task in (self._task, *self._sending.values()) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._sending.clear()

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=ANSWER_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                self._wake.clear()
                self._send_what_may_go(session)
                await self._wake.wait()

    def _send_what_may_go(self, session: aiohttp.ClientSession) -> None:
        target = self.target
        # Only a set webhook looks at the queue: filtering it would drop updates a poller
        # has yet to ask for.
        if target is None:
            return
        limit = int(target.get("max_connections") or DEFAULT_CONNECTIONS)
        for update in self.updates.deliverable():
            if len(self._sending) >= limit:
                return
            chat = chat_of(update)
            if chat in self._sending:
                continue  # after the update on its way, never beside it
            self._sending[chat] = asyncio.create_task(self._deliver(session, target, chat, update))

    async def _deliver(
        self,
        session: aiohttp.ClientSession,
        target: dict[str, Any],
        chat: tuple[str, int],
        update: dict[str, Any],
    ) -> None:
        try:
            status = await self._post(session, target, update)
            self.attempts.append((int(update.get("update_id", 0)), status))
            if 200 <= status < 300:
                self.updates.remove(update)
                self._failures.pop(chat, None)
                return
            failures = self._failures.get(chat, 0)
            self._failures[chat] = failures + 1
            await asyncio.sleep(_RETRY_PAUSES[min(failures, len(_RETRY_PAUSES) - 1)])
        finally:
            self._sending.pop(chat, None)
            self._wake.set()

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
