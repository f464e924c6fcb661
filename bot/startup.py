"""Everything between reading the settings and the first update: the data folder, its lock,
the secret, the store and the catalogue. Each failure is one line for the operator."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.etiquette import load_shipped_etiquette
from bot.intents import load_shipped_intents
from bot.meetings.formats import load_formats
from bot.platform.callbacks import CallbackCodec
from bot.platform.catalog import Catalog
from bot.platform.clock import Clock, system_clock
from bot.platform.config import ConfigError, Settings
from bot.platform.datalock import DataFolderBusy, DataFolderLock
from bot.platform.privacy import SECRET_FILE_NAME, Keyring, SecretFileError, load_or_create_secret
from bot.platform.problems import ContentError
from bot.platform.store import DATABASE_FILE_NAME, SqliteStore, StoreError
from bot.readings.library import load_library
from bot.readings.reflections import load_year, missing_days
from bot.readings.search import LibrarySearch
from bot.safety.assessor import Assessor
from bot.services import Services

logger = logging.getLogger(__name__)


class StartupError(Exception):
    """Porchlight cannot start; the message says why in one line."""


@dataclass
class Prepared:
    services: Services
    lock: DataFolderLock

    async def close(self) -> None:
        await self.services.assessor.close()
        await self.services.store.close()
        self.lock.release()


async def prepare(settings: Settings, *, clock: Clock = system_clock) -> Prepared:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise StartupError(
            f"PORCHLIGHT_DATA_DIR {settings.data_dir} cannot be created ({error.strerror})"
        ) from None
    try:
        settings.data_dir.chmod(0o700)
    except OSError:
        # A mounted volume we do not own, or a read-only one (the lock below says so):
        # usable perhaps, but say so, since others may read it.
        logger.warning("could not make %s owner-only; check its permissions", settings.data_dir)
    lock = DataFolderLock(settings.data_dir)
    try:
        lock.acquire()
    except DataFolderBusy as error:
        raise StartupError(str(error)) from None
    except OSError as error:
        raise StartupError(
            f"PORCHLIGHT_DATA_DIR {settings.data_dir} is not writable ({error.strerror})"
        ) from None
    try:
        return await _prepare_locked(settings, lock, clock)
    except BaseException:
        lock.release()
        raise


async def _prepare_locked(settings: Settings, lock: DataFolderLock, clock: Clock) -> Prepared:
    has_database = (settings.data_dir / DATABASE_FILE_NAME).exists()
    has_secret = settings.secret is not None or (settings.data_dir / SECRET_FILE_NAME).exists()
    if has_database and not has_secret:
        # A new secret could never read this database: say what is missing instead.
        raise StartupError(
            f"{settings.data_dir} holds a database but no secret: set PORCHLIGHT_SECRET_FILE "
            "(or PORCHLIGHT_SECRET), or restore the data folder's secret file, to the one it "
            "was made with"
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
    keyring = Keyring.from_secret(secret)
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
    try:
        store = await SqliteStore.open(
            settings.data_dir / DATABASE_FILE_NAME, keyring.check_value()
        )
    except StoreError as error:
        raise StartupError(str(error)) from None
    services = Services(
        settings=settings,
        store=store,
        keyring=keyring,
        catalog=catalog,
        callbacks=CallbackCodec(keyring.callback_key),
        clock=clock,
        library=library,
        reflections=reflections,
        search=LibrarySearch(library),
        meeting_formats=meeting_formats,
        assessor=await Assessor.start(),
        intents=await asyncio.to_thread(load_shipped_intents),
        etiquette=await asyncio.to_thread(load_shipped_etiquette),
    )
    return Prepared(services, lock)


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
