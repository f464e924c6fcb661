"""Everything between reading the settings and the first update: the data folder and its
lock, or a lock in PostgreSQL; the secret, the store and the catalogue. Each failure is one
line for the operator."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.etiquette import load_shipped_etiquette
from bot.etiquette.distress import RecentDistress
from bot.etiquette.reminded import RemindedOutsideMeetings
from bot.intents import load_shipped_intents
from bot.meetings.formats import MeetingFormat, load_formats
from bot.platform.callbacks import CallbackCodec
from bot.platform.catalog import Catalog
from bot.platform.clock import Clock, system_clock
from bot.platform.config import ConfigError, Settings
from bot.platform.database_url import DatabaseLocation
from bot.platform.datalock import DataFolderBusy, DataFolderLock
from bot.platform.privacy import SECRET_FILE_NAME, Keyring, SecretFileError, load_or_create_secret
from bot.platform.problems import ContentError
from bot.platform.shared import MemoryState, RedisState, SharedState, SharedStateError
from bot.platform.store import (
    DATABASE_FILE_NAME,
    DatabaseLock,
    PostgresStore,
    SqliteStore,
    Store,
    StoreError,
)
from bot.readings.library import Library, load_library
from bot.readings.reflections import Reflections, load_year, missing_days
from bot.readings.search import LibrarySearch
from bot.safety.assessor import Assessor, RecentCrises
from bot.services import Services

logger = logging.getLogger(__name__)


class StartupError(Exception):
    """Porchlight cannot start; the message says why in one line."""


@dataclass
class Prepared:
    services: Services
    # What keeps a second bot off the same data: the folders' locks (SQLite), or a lock in
    # the database (PostgreSQL).
    folder_locks: list[DataFolderLock] = field(default_factory=list)
    database_lock: DatabaseLock | None = None

    async def close(self) -> None:
        await self.services.assessor.close()
        await self.services.shared.close()
        await self.services.store.close()
        if self.database_lock is not None:
            await self.database_lock.release()
        for lock in self.folder_locks:
            lock.release()


async def prepare(
    settings: Settings, *, clock: Clock = system_clock, beside_others: bool = False
) -> Prepared:
    """beside_others: this is one of several webhook instances with REDIS_URL, which may
    run side by side on one PostgreSQL database (on SQLite, one bot runs per data folder
    whatever it is)."""
    location = settings.database
    if location is not None and location.postgres_url is not None:
        return await _prepare_on_postgres(settings, location, clock, beside_others)
    database_file = settings.data_dir / DATABASE_FILE_NAME
    if location is not None and location.sqlite_file is not None:
        database_file = location.sqlite_file
    folders = [settings.data_dir]
    if database_file.parent.resolve() != settings.data_dir.resolve():
        folders.append(database_file.parent)
    locks: list[DataFolderLock] = []
    try:
        for folder in folders:
            setting = "PORCHLIGHT_DATA_DIR" if not locks else "DATABASE_URL's folder"
            locks.append(_own_folder(folder, setting, beside_others))
        return await _prepare_on_sqlite(settings, database_file, locks, clock)
    except BaseException:
        for lock in locks:
            lock.release()
        raise


def _own_folder(folder: Path, setting: str, beside_others: bool) -> DataFolderLock:
    """Create the folder owner-only and lock it: one bot per folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise StartupError(f"{setting} {folder} cannot be created ({error.strerror})") from None
    try:
        folder.chmod(0o700)
    except OSError:
        # A mounted volume we do not own, or a read-only one (the lock below says so):
        # usable perhaps, but say so, since others may read it.
        logger.warning("could not make %s owner-only; check its permissions", folder)
    lock = DataFolderLock(folder)
    try:
        lock.acquire()
    except DataFolderBusy as error:
        hint = " (instances side by side need PostgreSQL: DATABASE_URL)" if beside_others else ""
        raise StartupError(f"{error}{hint}") from None
    except OSError as error:
        raise StartupError(f"{setting} {folder} is not writable ({error.strerror})") from None
    return lock


async def _prepare_on_sqlite(
    settings: Settings, database_file: Path, locks: list[DataFolderLock], clock: Clock
) -> Prepared:
    keyring = Keyring.from_secret(_secret_beside(settings, database_file))
    content = _load_content(settings)
    try:
        store = await SqliteStore.open(database_file, keyring.check_value())
    except StoreError as error:
        raise StartupError(str(error)) from None
    services = await _ready(settings, store, keyring, content, clock, alone=True)
    return Prepared(services, folder_locks=locks)


def _secret_beside(settings: Settings, database_file: Path) -> bytes:
    """The secret given, or the data folder's (made on the first start), with what the
    operator should hear about where it is."""
    has_database = database_file.exists()
    has_secret = settings.secret is not None or (settings.data_dir / SECRET_FILE_NAME).exists()
    if has_database and not has_secret:
        # A new secret could never read this database: say what is missing instead.
        raise StartupError(
            f"{database_file} is a Porchlight database, but no secret was given: set "
            "PORCHLIGHT_SECRET_FILE (or PORCHLIGHT_SECRET), or restore the data folder's "
            "secret file, to the one it was made with"
        )
    try:
        secret, created = load_or_create_secret(settings.data_dir, settings.secret)
    except (SecretFileError, OSError, UnicodeError) as error:
        raise StartupError(f"the secret in {settings.data_dir} cannot be read: {error}") from None
    if created:
        logger.warning(
            "generated a new secret in %s: back it up, apart from the data folder; "
            "losing it orphans every sealed row",
            settings.data_dir / SECRET_FILE_NAME,
        )
    elif settings.secret is None and not has_database:
        # The data folder's secret from an earlier start, but no database: it was deleted
        # or lost, and an empty one is about to be made. Not silently.
        logger.warning(
            "%s holds no database although its secret is from an earlier start: starting "
            "an empty one; if the old one was lost, stop and restore it from a backup",
            settings.data_dir,
        )
    for warning in secret_placement_warnings(settings):
        logger.warning(warning)
    return secret


async def _prepare_on_postgres(
    settings: Settings, location: DatabaseLocation, clock: Clock, beside_others: bool
) -> Prepared:
    """Nothing that must outlive a restart goes in the data folder: the host may wipe it."""
    assert location.postgres_url is not None
    if settings.secret is None:
        raise StartupError(
            "with DATABASE_URL naming PostgreSQL, set PORCHLIGHT_SECRET_FILE (or "
            "PORCHLIGHT_SECRET): a secret generated into the data folder would be lost when "
            "the host wipes it, and every sealed row in the database with it"
        )
    for warning in secret_placement_warnings(settings):
        logger.warning(warning)
    keyring = Keyring.from_secret(settings.secret.encode("utf-8"))
    content = _load_content(settings)
    try:
        lock = await DatabaseLock.acquire(location.postgres_url, beside_others=beside_others)
    except StoreError as error:
        raise StartupError(str(error)) from None
    try:
        store = await PostgresStore.open(
            location.postgres_url,
            keyring.check_value(),
            prepared_statements=location.prepared_statements,
        )
        services = await _ready(settings, store, keyring, content, clock, alone=not beside_others)
    except StoreError as error:
        await lock.release()
        raise StartupError(str(error)) from None
    except BaseException:
        await lock.release()
        raise
    return Prepared(services, database_lock=lock)


async def _ready(
    settings: Settings,
    store: Store,
    keyring: Keyring,
    content: _Content,
    clock: Clock,
    *,
    alone: bool,
) -> Services:
    """The services on an opened store; the store closed again if they cannot start (its
    connection's thread would keep the process from ending)."""
    try:
        if alone:
            # Beside others, a claim may be theirs, at work: it is taken over only
            # once its lease lapses.
            await _take_over_deliveries(store)
        return await _services(settings, store, keyring, content, clock)
    except BaseException as error:
        await store.close()
        if isinstance(error, StoreError):
            raise StartupError(str(error)) from None
        raise


async def _take_over_deliveries(store: Store) -> None:
    """This bot holds the folder's or the database's lock: no other ticks beside it, so a
    delivery still claimed was claimed by one that died mid-run, and goes out now."""
    if taken := await store.release_every_claim():
        logger.info("took over %d deliveries a stopped bot had claimed", taken)


@dataclass(frozen=True)
class _Content:
    catalog: Catalog
    library: Library
    reflections: Reflections
    meeting_formats: dict[str, MeetingFormat]


def _load_content(settings: Settings) -> _Content:
    try:
        catalog = Catalog.load(overlay=settings.content_dir)
        library = load_library(overlay=settings.content_dir)
        reflections = load_year(overlay=settings.content_dir)
        meeting_formats = load_formats(overlay=settings.content_dir)
        if missing := missing_days(reflections.english):
            raise ContentError(missing)
    except ContentError as error:
        raise StartupError(
            f"the content is not valid ({len(error.problems)} problem(s), first: "
            f"{error.problems[0]}); see: python -m bot content check"
        ) from None
    return _Content(catalog, library, reflections, meeting_formats)


async def _shared_state(settings: Settings, keyring: Keyring) -> SharedState:
    """Redis when REDIS_URL names it, so every instance shares what lives for minutes;
    else this process's memory, as one instance needs."""
    if settings.redis_url is None:
        return MemoryState()
    # The namespace tells this bot's keys from another's on the same Redis, and is the
    # same in every instance run with this secret.
    namespace = keyring.check_value()[:16]
    try:
        state = await RedisState.connect(settings.redis_url, namespace)
    except SharedStateError as error:
        raise StartupError(f"REDIS_URL: {error}") from None
    logger.info("sharing ephemeral state through %s", state.described)
    return state


async def _services(
    settings: Settings, store: Store, keyring: Keyring, content: _Content, clock: Clock
) -> Services:
    shared = await _shared_state(settings, keyring)
    return Services(
        settings=settings,
        store=store,
        keyring=keyring,
        catalog=content.catalog,
        callbacks=CallbackCodec(keyring.callback_key),
        clock=clock,
        library=content.library,
        reflections=content.reflections,
        search=LibrarySearch(content.library),
        meeting_formats=content.meeting_formats,
        assessor=await Assessor.start(),
        intents=await asyncio.to_thread(load_shipped_intents),
        etiquette=await asyncio.to_thread(load_shipped_etiquette),
        shared=shared,
        recent_crises=RecentCrises(shared),
        recent_distress=RecentDistress(shared, keyring.shared_name),
        reminded_outside=RemindedOutsideMeetings(shared, keyring.shared_name),
    )


def secret_placement_warnings(settings: Settings) -> list[str]:
    """What to tell the operator when the secret lives beside the data: with both, anyone
    holding a copy of the data folder can open every sealed id. Never the secret itself."""
    generated = settings.data_dir / SECRET_FILE_NAME
    consequence = "anyone with a copy of the data folder can open every sealed id"
    if settings.secret is None:
        return [
            f"the secret is {generated}, inside the data folder: {consequence}; move the file "
            "out of it (to a mounted secret such as /run/secrets/porchlight), set "
            "PORCHLIGHT_SECRET_FILE to where it is now, and back the two up apart"
        ]
    if settings.secret_file is not None:
        inside = settings.secret_file.resolve().is_relative_to(settings.data_dir.resolve())
        if inside:
            return [
                f"PORCHLIGHT_SECRET_FILE {settings.secret_file} is inside the data folder: "
                f"{consequence}; keep the file outside it, and back the two up apart"
            ]
    if generated.exists():
        source = "PORCHLIGHT_SECRET_FILE" if settings.secret_file else "PORCHLIGHT_SECRET"
        return [
            f"{generated} is still in the data folder, though the secret now comes from "
            f"{source}: once the secret is kept safe there, delete the file, since with it "
            f"{consequence}"
        ]
    return []


__all__ = ["ConfigError", "Prepared", "StartupError", "prepare"]
