"""The command menus Telegram shows: one list for private chats, one for groups, per language."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from bot.platform.catalog import DEFAULT_LANGUAGE, Catalog

PRIVATE_COMMANDS = (
    "start",
    "checkin",
    "today",
    "reflection",
    "daily",
    "days",
    "library",
    "meetings",
    "resources",
    "zone",
    "stop",
    "listen",
    "end",
    "cancel",
    "discreet",
    "privacy",
    "forget",
    "help",
)
GROUP_COMMANDS = (
    "meeting",
    "share",
    "done",
    "pass",
    "queue",
    "next",
    "today",
    "daily",
    "library",
    "resources",
    "etiquette",
    "settings",
    "privacy",
    "crisisposts",
    "help",
)


def command_list(catalog: Catalog, language: str, scope: str) -> list[BotCommand]:
    names = PRIVATE_COMMANDS if scope == "private" else GROUP_COMMANDS
    return [BotCommand(name, catalog.text(f"commands.{scope}.{name}", language)) for name in names]


async def publish_commands(bot: Bot, catalog: Catalog) -> None:
    for language in catalog.languages:
        # English is also the default list, for members whose language we have no texts in.
        code = None if language == DEFAULT_LANGUAGE else language
        await bot.set_my_commands(
            command_list(catalog, language, "private"),
            scope=BotCommandScopeAllPrivateChats(),
            language_code=code,
        )
        await bot.set_my_commands(
            command_list(catalog, language, "group"),
            scope=BotCommandScopeAllGroupChats(),
            language_code=code,
        )
