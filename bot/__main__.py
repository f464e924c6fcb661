"""Command line: python -m bot [--demo | --webhook] | content check [DIR] | migrate-data.

Without --demo the bot answers on Telegram by long polling (TELEGRAM_BOT_TOKEN). With
--demo it runs unchanged against the local Bot API simulator, and the terminal plays the
members, so anyone can try Porchlight in a minute without a token.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import secrets
import sys
import tempfile
from pathlib import Path

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import build_application
from bot.content_check import run_check
from bot.migrate_data import MigrateError, migrate_data
from bot.platform.catalog import CONTENT_DIR
from bot.platform.config import ConfigError, Settings, load_settings
from bot.platform.logging_setup import configure_logging
from bot.plumbing.runner import run_polling, run_webhook, stop_on_signals
from bot.startup import StartupError, prepare

EXIT_CONFIG = 2


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--demo",
        action="store_true",
        help="chat with the bot in this terminal, against a local simulator (no token needed)",
    )
    mode.add_argument(
        "--webhook",
        action="store_true",
        help="serve Telegram's webhook at PORCHLIGHT_WEBHOOK_URL instead of long polling",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="content check [DIR] | migrate-data --from URL --to URL"
    )
    content = commands.add_parser("content", help="work with content folders")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser(
        "check", help="validate a content folder (default: the shipped bot/content)"
    )
    check.add_argument("folder", nargs="?", type=Path, default=CONTENT_DIR)
    migrate = commands.add_parser(
        "migrate-data",
        help="move every row to another database (stop the bot first)",
        description="Move every row to another database, checked, with the bot stopped.",
    )
    migrate.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="where the rows are now, such as sqlite:///data/porchlight.sqlite3",
    )
    migrate.add_argument(
        "--to",
        dest="destination",
        required=True,
        metavar="URL",
        help="an empty database to move them to, such as $DATABASE_URL",
    )
    return parser.parse_args(argv)


def _fail(message: str) -> int:
    print(f"porchlight: {message}", file=sys.stderr)
    return EXIT_CONFIG


async def run_bot(settings: Settings, *, webhook: bool = False) -> int:
    # Webhook instances sharing their state through Redis may run side by side; polling
    # may not (Telegram answers a second poller with a conflict).
    prepared = await prepare(settings, beside_others=webhook and settings.redis_url is not None)
    try:
        stop = asyncio.Event()
        stop_on_signals(stop)
        application = build_application(prepared.services)
        try:
            if webhook:
                await run_webhook(application, stop, settings)
            else:
                await run_polling(application, stop)
        except InvalidToken:
            return _fail("TELEGRAM_BOT_TOKEN was rejected by Telegram (401 Unauthorized)")
        except NetworkError as error:
            return _fail(f"cannot reach the Telegram Bot API at TELEGRAM_API_BASE_URL ({error})")
    finally:
        await prepared.close()
    return 0


async def run_demo(settings: Settings) -> int:
    from bot.sim import BotApiSimulator
    from bot.sim.terminal import MODERATORS_CHAT, run_terminal

    # A throwaway data folder, unless the person chose one: the demo keeps nothing.
    scratch = None
    if "PORCHLIGHT_DATA_DIR" not in os.environ:
        scratch = tempfile.TemporaryDirectory(prefix="porchlight-demo-")
        # A throwaway secret too: nothing here needs backing up.
        settings = dataclasses.replace(
            settings,
            data_dir=Path(scratch.name),
            secret=secrets.token_urlsafe(48),
            database=None,  # nor a database the operator set for the real bot
        )
    async with BotApiSimulator() as sim:
        settings = dataclasses.replace(
            settings,
            token=sim.token,
            base_url=sim.base_url,
            # A moderators' chat in the simulator, so listening can be tried end to end.
            moderator_chat=settings.moderator_chat or MODERATORS_CHAT,
        )
        prepared = await prepare(settings)
        try:
            stop = asyncio.Event()
            application = build_application(prepared.services)
            bot_task = asyncio.create_task(run_polling(application, stop))
            try:
                await run_terminal(sim)
            finally:
                stop.set()
                await bot_task
        finally:
            await prepared.close()
    if scratch is not None:
        scratch.cleanup()
    return 0


def _migrate_data(source: str, destination: str) -> int:
    try:
        settings = load_settings(require_token=False)
        print(asyncio.run(migrate_data(settings, source, destination)))
    except (ConfigError, MigrateError) as error:
        return _fail(str(error))
    return 0


def main(argv: list[str] | None = None) -> int:
    # Everything Porchlight writes (the database, its journal, the secret) is owner-only.
    os.umask(0o077)
    args = _parse_args(argv)
    if args.command == "content":
        return run_check(args.folder)
    if args.command == "migrate-data":
        return _migrate_data(args.source, args.destination)
    try:
        settings = load_settings(require_token=not args.demo)
    except ConfigError as error:
        return _fail(str(error))
    # In the demo, the terminal is the interface: keep routine log lines out of it.
    level = settings.log_level
    if args.demo and "PORCHLIGHT_LOG_LEVEL" not in os.environ:
        level = "WARNING"
    if args.webhook and settings.webhook_url is None:
        return _fail("PORCHLIGHT_WEBHOOK_URL is not set: --webhook needs the public URL to serve")
    configure_logging(level, token=settings.token)
    try:
        running = run_demo(settings) if args.demo else run_bot(settings, webhook=args.webhook)
        return asyncio.run(running)
    except StartupError as error:
        return _fail(str(error))
    except TelegramError as error:
        return _fail(f"Telegram refused to start the bot ({type(error).__name__})")
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
