"""Keeps one unreadable update from stopping the bot.

If PTB cannot parse an update (Telegram added a field PTB's version requires, or the update
is malformed), getUpdates fails as a whole and polling would retry the same batch forever.
This request reads each update on its own and replaces one it cannot read with its bare
update_id: PTB then confirms it, no handler matches it, and it is counted, never logged
with its content.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Update
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.plumbing.transport import AiohttpRequest

logger = logging.getLogger(__name__)


def readable_updates(updates: list[Any]) -> tuple[list[dict[str, Any]], int]:
    """The updates PTB can read, each unreadable one reduced to its id; and how many were."""
    kept: list[dict[str, Any]] = []
    skipped = 0
    for update in updates:
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            skipped += 1  # Nothing to confirm it by: leave it out entirely.
            continue
        try:
            Update.de_json(update, None)
        except Exception:  # any failure to read it means the same: skip it
            kept.append({"update_id": update_id})
            skipped += 1
            logger.warning("skipped update %d: it could not be read", update_id)
            continue
        kept.append(update)
    return kept, skipped


class TolerantUpdatesRequest(AiohttpRequest):
    """The request PTB polls getUpdates with, filtering out what it cannot read."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.skipped_updates = 0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if status != 200 or not url.endswith("/getUpdates"):
            return status, payload
        try:
            answer = json.loads(payload)
        except ValueError:
            return status, payload  # PTB reports a malformed answer itself.
        if not isinstance(answer, dict) or not isinstance(answer.get("result"), list):
            return status, payload
        answer["result"], skipped = readable_updates(answer["result"])
        if not skipped:
            return status, payload
        self.skipped_updates += skipped
        return status, json.dumps(answer).encode()
