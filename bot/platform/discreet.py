"""Discreet mode: for a member on a shared phone, every message the bot sends their chat
starts with a neutral line, so a notification preview says nothing about recovery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Only messages with text raise a notification preview we can shape.
_ENDPOINTS = frozenset({"sendMessage"})


def neutral_first_line(
    is_discreet: Callable[[int], bool], line: str
) -> Callable[[str, dict[str, Any]], None]:
    """A bot.plumbing.priority.Outgoing hook that prefixes the texts sent to discreet chats."""

    def adjust(endpoint: str, data: dict[str, Any]) -> None:
        chat_id, body = data.get("chat_id"), data.get("text")
        # Private chats have positive ids; groups never use discreet mode.
        if endpoint not in _ENDPOINTS or not isinstance(chat_id, int) or chat_id <= 0:
            return
        if isinstance(body, str) and not body.startswith(line) and is_discreet(chat_id):
            data["text"] = f"{line}\n\n{body}"

    return adjust
