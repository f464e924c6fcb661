"""The shapes of PTB's Application and callback context as Porchlight builds them, and of a
place in a group, named once for the handlers and for the services that run beside them.

Type names only: nothing here runs, sends or decides anything.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot

# The bot's rate-limit argument is a str: bot.plumbing.priority.CRISIS marks urgent sends.
Context: TypeAlias = CallbackContext[ExtBot[str], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

# Where in a group something happens: the chat id, and the forum topic (None outside one).
Place: TypeAlias = tuple[int, int | None]
