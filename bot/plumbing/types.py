"""The Telegram application and callback-context types that every layer names."""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ExtBot

# The bot's rate-limit argument is a str: bot.plumbing.priority.CRISIS marks urgent sends.
Context: TypeAlias = CallbackContext[ExtBot[str], dict[Any, Any], dict[Any, Any], dict[Any, Any]]
App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
