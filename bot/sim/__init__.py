"""A local Telegram Bot API simulator for tests and the terminal demo."""

from bot.sim.server import ApiCall, BotApiSimulator
from bot.sim.state import SimButton, SimChat, SimMessage, SimUser

__all__ = ["ApiCall", "BotApiSimulator", "SimButton", "SimChat", "SimMessage", "SimUser"]
