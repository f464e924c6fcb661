"""python -m bot migrate-data --from URL --to URL: move a deployment to another database,
such as from the data folder's SQLite file to PostgreSQL, with the bot stopped.

Every row is copied with the secret the source was made with (PORCHLIGHT_SECRET_FILE,
PORCHLIGHT_SECRET, or the data folder's secret file), both databases check that secret,
and the copy is read back before it is kept: whole, or nothing. The source is left as it
was, as a backup until the bot has run on the new one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from bot.platform.config import Settings
from bot.platform.database_url import DatabaseLocation, DatabaseUrlError, parse_database_url
from bot.platform.datalock import DataFolderBusy, DataFolderLock
from bot.platform.privacy import SECRET_FILE_NAME, Keyring
from bot.platform.store import DatabaseLock, DatabaseStore, PostgresStore, SqliteStore, StoreError
from bot.platform.store.transfer import move_rows


class MigrateError(Exception):
    """The move cannot be made; the message says why in one line, and what to do."""


async def migrate_data(settings: Settings, source_text: str, destination_text: str) -> str:
    """Move every row; returns what to tell the operator. Raises MigrateError."""
    source = _location(source_text, "--from")
    destination = _location(destination_text, "--to")
    if source.described == destination.described:
        raise MigrateError("--from and --to name the same database: nothing to move")
    if source.sqlite_file is not None and not source.sqlite_file.is_file():
        raise MigrateError(f"--from names {source.described}, which does not exist")
    secret, from_folder = _source_secret(settings)
    check_value = Keyring.from_secret(secret).check_value()
    async with AsyncExitStack() as held:
        for location in _distinct_places(source, destination):
            await held.enter_async_context(_only_user(location))
        source_store = await held.enter_async_context(_opened(source, check_value, "--from"))
        target_store = await held.enter_async_context(_opened(destination, check_value, "--to"))
        try:
            moved = await move_rows(source_store, target_store)
        except StoreError as error:
            raise MigrateError(str(error)) from None
    lines = [
        f"moved {moved.rows} rows in {len(moved.rows_by_table)} tables from "
        f"{source.described} to {destination.described}, each read back and the same.",
        "Keep the old database, untouched, as a backup until the bot has run on the new one.",
    ]
    if from_folder and destination.postgres_url is not None:
        lines.append(
            f"The bot on PostgreSQL needs this secret from outside the data folder: copy "
            f"{settings.data_dir / SECRET_FILE_NAME} somewhere safe and set "
            "PORCHLIGHT_SECRET_FILE to it (or PORCHLIGHT_SECRET to its text)."
        )
    return "\n".join(lines)


def _location(text: str, flag: str) -> DatabaseLocation:
    try:
        location = parse_database_url(text)
    except DatabaseUrlError as error:
        raise MigrateError(f"{flag}: {error}") from None
    if location is None:
        raise MigrateError(
            f"{flag} needs a database URL, such as sqlite:///data/porchlight.sqlite3"
        )
    return location


def _distinct_places(*locations: DatabaseLocation) -> list[DatabaseLocation]:
    """One per lock to take: two SQLite files in one folder share the folder's lock."""
    seen: set[str] = set()
    distinct = []
    for location in locations:
        place = (
            str(location.sqlite_file.parent.resolve())
            if location.sqlite_file is not None
            else location.described
        )
        if place not in seen:
            seen.add(place)
            distinct.append(location)
    return distinct


def _source_secret(settings: Settings) -> tuple[bytes, bool]:
    """The configured secret, or the data folder's; and whether it came from the folder."""
    if settings.secret is not None:
        return settings.secret.encode("utf-8"), False
    path = settings.data_dir / SECRET_FILE_NAME
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeError):
        value = ""
    if not value:
        raise MigrateError(
            f"no secret: set PORCHLIGHT_SECRET_FILE to the secret the database was made with "
            f"(or PORCHLIGHT_DATA_DIR to the folder holding its {SECRET_FILE_NAME} file)"
        )
    return value.encode("ascii"), True


@asynccontextmanager
async def _only_user(location: DatabaseLocation) -> AsyncIterator[None]:
    """The bot must be stopped: hold the lock a running bot would hold."""
    if location.postgres_url is not None:
        try:
            lock = await DatabaseLock.acquire(location.postgres_url)
        except StoreError as error:
            raise MigrateError(str(error)) from None
        try:
            yield
        finally:
            await lock.release()
        return
    assert location.sqlite_file is not None
    location.sqlite_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder_lock = DataFolderLock(location.sqlite_file.parent)
    try:
        folder_lock.acquire()
    except DataFolderBusy as error:
        raise MigrateError(str(error)) from None
    try:
        yield
    finally:
        folder_lock.release()


@asynccontextmanager
async def _opened(
    location: DatabaseLocation, check_value: str, flag: str
) -> AsyncIterator[DatabaseStore]:
    try:
        if location.postgres_url is not None:
            store: DatabaseStore = await PostgresStore.open(
                location.postgres_url,
                check_value,
                prepared_statements=location.prepared_statements,
            )
        else:
            assert location.sqlite_file is not None
            store = await SqliteStore.open(location.sqlite_file, check_value)
    except StoreError as error:
        raise MigrateError(f"{flag}: {error}") from None
    try:
        yield store
    finally:
        await store.close()
