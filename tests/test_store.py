import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.platform import inventory
from bot.platform.privacy import Keyring, SealedId
from bot.platform.store import (
    BLOCK_LIFETIME,
    CLAIMS_LIFETIME,
    COUNTS_LIFETIME,
    DATABASE_FILE_NAME,
    GROUP_SETTINGS_LIFETIME,
    MEETING_LIFETIME,
    MIGRATIONS,
    Claim,
    DatabaseStore,
    EtiquetteSettings,
    ListenerRecord,
    MeetingRecord,
    PeerSession,
    PostgresStore,
    SqliteStore,
    StoreError,
    Subscription,
    _explain,
)
from tests.store_backends import fresh_postgres, require_postgres

KEYS = Keyring.from_secret(b"a store test secret, long enough to be a secret")
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
ALICE = KEYS.pseudonym(-1001)
LEASE = timedelta(minutes=10)


async def open_store(folder: Path) -> SqliteStore:
    return await SqliteStore.open(folder / DATABASE_FILE_NAME, KEYS.check_value())


@dataclass(frozen=True)
class Place:
    """Where a test's store lives, on one backend: open it as often as the test likes."""

    open_with: Callable[[str], Awaitable[DatabaseStore]]

    async def open(self) -> DatabaseStore:
        return await self.open_with(KEYS.check_value())


@pytest.fixture(params=["sqlite", "postgres"])
async def place(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Place]:
    if request.param == "sqlite":
        path = tmp_path / DATABASE_FILE_NAME

        async def open_sqlite(check_value: str) -> DatabaseStore:
            return await SqliteStore.open(path, check_value)

        yield Place(open_sqlite)
        return
    async with fresh_postgres() as url:

        async def open_postgres(check_value: str) -> DatabaseStore:
            return await PostgresStore.open(url, check_value)

        yield Place(open_postgres)


async def test_group_settings_round_trip_and_expiry(place: Place) -> None:
    store = await place.open()
    group = KEYS.pseudonym(-1001)
    try:
        assert await store.crisis_posts_enabled(group, NOW) is True
        await store.set_crisis_posts(group, False, NOW)
        assert await store.crisis_posts_enabled(group, NOW) is False
        # Past its lifetime the setting is gone, even before the purge runs.
        later = NOW + GROUP_SETTINGS_LIFETIME + timedelta(seconds=1)
        assert await store.crisis_posts_enabled(group, later) is True
        assert await store.purge_expired(later) == 1
    finally:
        await store.close()


async def test_daily_counts_hold_numbers_only_and_expire(place: Place) -> None:
    store = await place.open()
    try:
        await store.count("crisis_private", NOW)
        await store.count("crisis_private", NOW)
        await store.count("concern_private", NOW + timedelta(days=1))
        counts = await store.daily_counts(NOW - timedelta(days=1))
        assert counts == {
            "2026-11-22": {"crisis_private": 2},
            "2026-11-23": {"concern_private": 1},
        }
        assert await store.purge_expired(NOW + COUNTS_LIFETIME + timedelta(days=2)) == 2
    finally:
        await store.close()


async def test_an_update_is_claimed_once_and_taken_over_when_its_lease_lapses(
    place: Place,
) -> None:
    lease = timedelta(seconds=60)
    first, second = await place.open(), await place.open()  # two instances on one database
    try:
        assert await first.claim_update(700, NOW, lease) is Claim.TAKEN
        assert await second.claim_update(700, NOW, lease) is Claim.BUSY
        await first.finish_update(700, NOW)
        assert await second.claim_update(700, NOW, lease) is Claim.DONE
        # An instance that died holding one: the next to be sent it takes it once the
        # lease has run out, not before.
        assert await first.claim_update(701, NOW, lease) is Claim.TAKEN
        assert await second.claim_update(701, NOW + lease / 2, lease) is Claim.BUSY
        assert await second.claim_update(701, NOW + lease, lease) is Claim.TAKEN
        assert await first.claim_update(701, NOW + lease, lease) is Claim.BUSY
        # A day after it was last taken Telegram has long stopped trying: the purge.
        assert await first.purge_expired(NOW + CLAIMS_LIFETIME) == 1
        assert await first.purge_expired(NOW + lease + CLAIMS_LIFETIME) == 1
        assert await first.claim_update(700, NOW + 2 * CLAIMS_LIFETIME, lease) is Claim.TAKEN
    finally:
        await first.close()
        await second.close()


async def test_two_instances_claiming_one_update_at_once_give_it_to_one(place: Place) -> None:
    stores = [await place.open() for _ in range(4)]
    try:
        for update_id in range(800, 820):
            claims = await asyncio.gather(
                *(store.claim_update(update_id, NOW, timedelta(seconds=60)) for store in stores)
            )
            assert claims.count(Claim.TAKEN) == 1
            assert claims.count(Claim.BUSY) == 3
    finally:
        for store in stores:
            await store.close()


async def test_forget_erases_only_that_chat(place: Place) -> None:
    store = await place.open()
    first, second = KEYS.pseudonym(-2001), KEYS.pseudonym(-2002)
    try:
        await store.set_crisis_posts(first, False, NOW)
        await store.set_crisis_posts(second, False, NOW)
        assert await store.forget(first) == 1
        assert await store.crisis_posts_enabled(first, NOW) is True
        assert await store.crisis_posts_enabled(second, NOW) is False
        assert await store.forget(first) == 0
    finally:
        await store.close()


async def test_forget_leaves_no_bytes_behind(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    marker = KEYS.pseudonym(-777)
    try:
        await store.set_crisis_posts(marker, False, NOW)
        await store.forget(marker)
    finally:
        await store.close()
    for path in tmp_path.iterdir():
        assert marker.encode() not in path.read_bytes(), path.name


async def test_schema_matches_the_inventory(place: Place) -> None:
    store = await place.open()
    try:
        tables = set(await store.table_names())
        declared = {entry.name: entry for entry in inventory.TABLES}
        assert tables == set(declared), "every table needs an inventory entry, and vice versa"
        for name, entry in declared.items():
            assert set(await store.column_names(name)) == set(entry.columns), name
            assert await store.primary_key(name) == list(entry.primary_key), name
            if entry.pseudonym_column or entry.expires:
                assert entry.expires, f"{name} holds member data and must expire"
                assert "expires_at" in entry.columns, name
    finally:
        await store.close()


async def test_reopening_keeps_data_and_schema_version(tmp_path: Path) -> None:
    store = await open_store(tmp_path)
    await store.set_crisis_posts(ALICE, False, NOW)
    await store.close()
    store = await open_store(tmp_path)
    try:
        assert await store.crisis_posts_enabled(ALICE, NOW) is False
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_reopening_keeps_the_rows(place: Place) -> None:
    store = await place.open()
    await store.set_crisis_posts(ALICE, False, NOW)
    await store.close()
    store = await place.open()
    try:
        assert await store.crisis_posts_enabled(ALICE, NOW) is False
        assert await store.schema_version() == len(MIGRATIONS)
    finally:
        await store.close()


async def test_a_changed_secret_is_a_clear_error(place: Place) -> None:
    await (await place.open()).close()
    other = Keyring.from_secret(b"this is not the secret the database was made with")
    with pytest.raises(StoreError, match="different secret"):
        await place.open_with(other.check_value())


async def test_move_chat_replaces_what_the_new_id_already_had(place: Place) -> None:
    """A message to the new supergroup can land before the move: the group's own settings
    win, and rows under other keys stay."""
    store = await place.open()
    old, new = KEYS.pseudonym(-4002), KEYS.pseudonym(-1009004002)
    try:
        await store.set_etiquette(old, None, EtiquetteSettings("delete"), NOW)
        await store.set_etiquette(new, None, EtiquetteSettings("off"), NOW)
        await store.set_etiquette(new, 9, EtiquetteSettings("off"), NOW)
        assert await store.move_chat(old, new, KEYS.seal(-1009004002)) == 1
        assert await store.etiquette(new, None) == EtiquetteSettings("delete")
        assert await store.etiquette(new, 9) == EtiquetteSettings("off")
        assert await store.etiquette(old, None) == EtiquetteSettings()
    finally:
        await store.close()


async def test_a_corrupt_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / DATABASE_FILE_NAME).write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="damaged"):
        await open_store(tmp_path)


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    await (await open_store(tmp_path)).close()
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as raw:
        raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer Porchlight"):
        await open_store(tmp_path)


@pytest.mark.parametrize(
    ("sqlite_says", "operator_reads"),
    [
        ("attempt to write a readonly database", "read-only"),
        ("database or disk is full", "full"),
        ("unable to open database file", "cannot be opened"),
        ("database disk image is malformed", "damaged"),
        ("database is locked", "locked"),
    ],
)
def test_sqlite_errors_become_one_line_for_the_operator(
    sqlite_says: str, operator_reads: str
) -> None:
    # As root (as in CI) permissions cannot make a real read-only or full disk, so the
    # translation is checked directly; locked and damaged are also checked for real above.
    message = _explain(sqlite3.OperationalError(sqlite_says), Path("data/x.sqlite3"))
    assert operator_reads in message
    assert "\n" not in message


async def test_a_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    await (await open_store(tmp_path)).close()
    holder = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            await open_store(tmp_path)
    finally:
        holder.rollback()
        holder.close()


async def test_a_failed_change_is_rolled_back(place: Place) -> None:
    store = await place.open()
    try:
        await store.set_crisis_posts(ALICE, False, NOW)
        with pytest.raises(RuntimeError):
            await _delete_everything_then_fail(store)
        assert await store.crisis_posts_enabled(ALICE, NOW) is False
    finally:
        await store.close()


async def _delete_everything_then_fail(store: DatabaseStore) -> None:
    async with store._db.transaction():
        await store._db.execute("DELETE FROM group_settings")
        raise RuntimeError("power cut mid-change")


async def test_move_chat_carries_rows_to_the_new_id(place: Place) -> None:
    store = await place.open()
    old, new = KEYS.pseudonym(-4001), KEYS.pseudonym(-1009004001)
    try:
        await store.set_crisis_posts(old, False, NOW)
        assert await store.move_chat(old, new, KEYS.seal(-1009004001)) == 1
        assert await store.crisis_posts_enabled(old, NOW) is True
        assert await store.crisis_posts_enabled(new, NOW) is False
    finally:
        await store.close()


async def test_forget_keeps_the_protection_others_have_from_a_member(place: Place) -> None:
    """/forget erases the blocks a member made, not a block against them, and not a
    moderators' suspension: or /forget would undo the protection."""
    store = await place.open()
    member, listener, other = KEYS.pseudonym(301), KEYS.pseudonym(302), KEYS.pseudonym(303)
    try:
        await store.block(member, listener, NOW)
        await store.block(other, member, NOW)
        suspended = ListenerRecord(listener, "abc123", "suspended", True, KEYS.seal(302))
        await store.save_listener(suspended, NOW)
        await store.save_listener(
            ListenerRecord(member, "def456", "approved", True, KEYS.seal(301)), NOW
        )
        await store.forget(member)
        await store.forget(listener)
        assert await store.blocks(NOW) == {(other, member)}
        assert await store.listener(member) is None
        kept = await store.listener(listener)
        assert kept is not None
        assert kept.status == "suspended"
        assert kept.sealed_chat == SealedId("")  # kept, but with no way to reach them
        assert await store.blocks(NOW + BLOCK_LIFETIME) == set()
    finally:
        await store.close()


async def test_peer_sessions_are_taken_once_at_start(place: Place) -> None:
    store = await place.open()
    waiting = PeerSession(KEYS.pseudonym(401), "waiting", KEYS.seal(401))
    try:
        await store.set_peer_session(waiting, NOW)
        await store.set_peer_session(
            PeerSession(KEYS.pseudonym(402), "chatting", KEYS.seal(402)), NOW
        )
        await store.end_peer_session(KEYS.pseudonym(402))
        assert await store.take_peer_sessions() == [waiting]
        assert await store.take_peer_sessions() == []
    finally:
        await store.close()


async def test_meetings_chairs_and_etiquette_round_trip(place: Place) -> None:
    store = await place.open()
    group, chair = KEYS.pseudonym(-5001), KEYS.pseudonym(501)
    record = MeetingRecord(group, 7, KEYS.seal(-5001), "speaker", 5, NOW)
    try:
        await store.save_meeting(record, NOW)
        assert await store.meetings(NOW) == [record]
        assert await store.meetings(NOW + MEETING_LIFETIME) == []
        assert await store.end_meeting(group, 7) == 1
        await store.allow_chair(group, 5, chair, True, NOW)
        assert await store.may_chair(group, 5, chair, NOW)
        assert not await store.may_chair(group, 6, chair, NOW)  # another topic
        assert not await store.may_chair(group, None, chair, NOW)
        await store.allow_chair(group, 5, chair, False, NOW)
        assert not await store.may_chair(group, 5, chair, NOW)
        # The member's /forget takes back what a group's admins gave them.
        await store.allow_chair(group, 5, chair, True, NOW)
        assert await store.forget(chair) == 1
        assert not await store.may_chair(group, 5, chair, NOW)
        assert await store.etiquette(group, None) == EtiquetteSettings()
        strict = EtiquetteSettings("delete", "strict", "always")
        await store.set_etiquette(group, None, strict, NOW)
        assert await store.etiquette(group, None) == strict
        assert await store.etiquette(group, 7) == EtiquetteSettings()
    finally:
        await store.close()


async def test_a_chair_given_before_topics_counted_keeps_the_group_s_own_topic(
    tmp_path: Path,
) -> None:
    """The schema that kept who started a meeting, and chairs for a whole group, moves on
    without losing a chair: each becomes a chair outside any topic."""
    before = 5  # the schema before chairs were given per topic
    group, chair = KEYS.pseudonym(-5002), KEYS.pseudonym(502)
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as db:
        for script in MIGRATIONS[:before]:
            db.executescript(script)
        db.execute(f"PRAGMA user_version = {before}")
        db.execute(
            "INSERT INTO meetings VALUES (?, 0, ?, 'speaker', ?, 3, 0, ?)",
            (group, KEYS.seal(-5002), chair, 2_000_000_000),
        )
        db.execute("INSERT INTO meeting_chairs VALUES (?, ?, ?)", (group, chair, 2_000_000_000))
    store = await open_store(tmp_path)
    try:
        assert "chair" not in await store.column_names("meetings")
        assert [m.format_id for m in await store.meetings(NOW)] == ["speaker"]
        assert await store.may_chair(group, None, chair, NOW)
    finally:
        await store.close()


async def test_refusals_are_counted_and_a_delivery_clears_them(place: Place) -> None:
    store = await place.open()
    group = KEYS.pseudonym(-5001)
    due = NOW + timedelta(hours=4)
    try:
        await store.subscribe(
            Subscription(group, "reflection", None, KEYS.seal(-5001), 420, "UTC", None, due), NOW
        )
        (sub,) = await store.claim_due(due, 10, LEASE)
        later = due + timedelta(minutes=15)
        first = await store.refused(sub, later, due)
        second = await store.refused(first, later + timedelta(hours=1), later)
        (stored,) = await store.subscriptions_of(group)
        assert stored == second
        assert (stored.refusals, stored.refused_since) == (2, due)
        await store.reschedule(stored, due + timedelta(days=1), due.date(), later, sent=True)
        (stored,) = await store.subscriptions_of(group)
        assert (stored.refusals, stored.refused_since) == (0, None)
        assert stored.last_delivered == due.date()
    finally:
        await store.close()


async def test_a_due_delivery_is_claimed_by_one_tick_until_done_or_its_lease_lapses(
    place: Place,
) -> None:
    first, second = await place.open(), await place.open()  # two instances' ticks
    due = NOW + timedelta(hours=2)
    try:
        for n in range(5):
            member = KEYS.pseudonym(6000 + n)
            at = due + timedelta(seconds=n)
            sub = Subscription(
                member, "reflection", None, KEYS.seal(6000 + n), 300, "UTC", None, at
            )
            await first.subscribe(sub, NOW)
        taken = await first.claim_due(due + timedelta(minutes=1), 3, LEASE)
        assert [sub.chat for sub in taken] == [KEYS.pseudonym(6000 + n) for n in range(3)]
        rest = await second.claim_due(due + timedelta(minutes=1), 10, LEASE)
        assert [sub.chat for sub in rest] == [KEYS.pseudonym(6003), KEYS.pseudonym(6004)]
        assert await first.claim_due(due + timedelta(minutes=2), 10, LEASE) == []
        # Delivered, let go for now, and held by a tick that died:
        delivered, failed, orphaned = taken
        await first.reschedule(delivered, due + timedelta(days=1), due.date(), due, sent=True)
        await first.release(failed)
        assert await second.claim_due(due + timedelta(minutes=3), 10, LEASE) == [failed]
        lapsed = due + timedelta(minutes=1) + LEASE
        again = await second.claim_due(lapsed, 10, LEASE)
        assert orphaned in again
        assert delivered.chat not in [sub.chat for sub in again]
        # The only bot left starts: what the dead one held goes out now, not in ten minutes.
        # (those just taken again, and the failed one, taken at minute 3 and held still)
        assert await first.release_every_claim() == len(again) + 1
        assert len(await first.claim_due(lapsed, 10, LEASE)) == len(again) + 1
    finally:
        await first.close()
        await second.close()


async def test_ticks_claiming_at_once_never_take_one_row_twice(place: Place) -> None:
    stores = [await place.open() for _ in range(3)]
    due = NOW + timedelta(hours=2)
    try:
        for n in range(60):
            member = KEYS.pseudonym(7000 + n)
            await stores[0].subscribe(
                Subscription(
                    member, "reflection", None, KEYS.seal(7000 + n), 300, "UTC", None, due
                ),
                NOW,
            )
        rounds = await asyncio.gather(
            *(store.claim_due(due, 7, LEASE) for store in stores for _ in range(4))
        )
        claimed = [sub.chat for taken in rounds for sub in taken]
        assert len(claimed) == len(set(claimed)) == 60
    finally:
        for store in stores:
            await store.close()


async def test_rows_planned_after_now_come_back_when_the_clock_went_back(place: Place) -> None:
    store = await place.open()
    member = KEYS.pseudonym(5002)
    due = NOW + timedelta(days=1)
    try:
        await store.subscribe(
            Subscription(member, "reflection", None, KEYS.seal(5002), 180, "UTC", None, due), NOW
        )
        assert await store.claim_due(NOW + timedelta(hours=1), 10, LEASE) == []
        assert len(await store.claim_due(NOW - timedelta(hours=1), 10, LEASE)) == 1
    finally:
        await store.close()


async def test_a_database_from_before_refusals_were_kept_gains_them(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as raw:
        for script in MIGRATIONS[:5]:
            raw.executescript(script)
        raw.execute("PRAGMA user_version = 5")
        raw.execute(
            "INSERT INTO subscriptions VALUES ('p', 'reflection', 0, 's', 420, 'UTC', NULL, ?, ?, "
            "'es')",
            (int(NOW.timestamp()), int(NOW.timestamp()) + 86400),
        )
    store = await open_store(tmp_path)
    try:
        (sub,) = await store.claim_due(NOW, 10, LEASE)
        assert (sub.refusals, sub.refused_since, sub.language) == (0, None, "es")
    finally:
        await store.close()


async def test_two_bots_starting_at_once_migrate_once() -> None:
    async with fresh_postgres() as url:
        stores = await asyncio.gather(
            *(PostgresStore.open(url, KEYS.check_value()) for _ in range(3))
        )
        try:
            assert [await s.schema_version() for s in stores] == [len(MIGRATIONS)] * 3
        finally:
            for store in stores:
                await store.close()


async def test_a_newer_postgres_schema_is_refused() -> None:
    async with fresh_postgres() as url:
        await (await PostgresStore.open(url, KEYS.check_value())).close()
        raw = await asyncpg.connect(url)
        try:
            await raw.execute(
                "UPDATE meta SET value = $1 WHERE key = 'schema_version'", str(len(MIGRATIONS) + 1)
            )
        finally:
            await raw.close()
        with pytest.raises(StoreError, match="newer Porchlight"):
            await PostgresStore.open(url, KEYS.check_value())


async def test_postgres_errors_are_one_line_without_the_password() -> None:
    server = require_postgres()
    missing = server.rsplit("/", 1)[0] + "/porchlight_no_such_database"
    with pytest.raises(StoreError, match="does not exist") as found:
        await PostgresStore.open(missing, KEYS.check_value())
    assert "\n" not in str(found.value)
    unreachable = "postgresql://porchlight:hunter2-secret@127.0.0.1:9/porchlight"
    with pytest.raises(StoreError, match="cannot be reached") as found:
        await PostgresStore.open(unreachable, KEYS.check_value())
    assert "hunter2" not in str(found.value)
    assert "porchlight:" not in str(found.value)


async def test_postgres_without_prepared_statements_works_the_same() -> None:
    """As behind PgBouncer in transaction mode: no statement cache at all."""
    async with fresh_postgres() as url:
        store = await PostgresStore.open(url, KEYS.check_value(), prepared_statements=False)
        try:
            await store.set_crisis_posts(ALICE, False, NOW)
            assert await store.crisis_posts_enabled(ALICE, NOW) is False
        finally:
            await store.close()


async def test_autovacuum_visits_each_table_once_any_row_is_erased() -> None:
    """PostgreSQL keeps an erased row's bytes until VACUUM: every table with rows about
    people asks autovacuum to come on its next round, not after a fifth of it is gone."""
    async with fresh_postgres() as url:
        await (await PostgresStore.open(url, KEYS.check_value())).close()
        raw = await asyncpg.connect(url)
        try:
            for entry in inventory.TABLES:
                options = await raw.fetchval(
                    "SELECT reloptions FROM pg_class WHERE oid = to_regclass($1)", entry.name
                )
                if not entry.expires:
                    continue
                assert "autovacuum_vacuum_threshold=0" in options, entry.name
                assert "autovacuum_vacuum_scale_factor=0" in options, entry.name
        finally:
            await raw.close()


async def test_the_url_s_sslmode_reaches_the_driver() -> None:
    """Hosts hand out URLs with ?sslmode=require; the local server has no TLS, so asking
    for it must fail there, and sslmode=disable must work: the parameter is read."""
    async with fresh_postgres() as url:
        store = await PostgresStore.open(f"{url}&sslmode=disable", KEYS.check_value())
        await store.close()
        with pytest.raises(StoreError, match="does not offer TLS"):
            await PostgresStore.open(f"{url}&sslmode=require", KEYS.check_value())
