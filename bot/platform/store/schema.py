"""The schema: the numbered migrations that build it, and how values are kept in it.

Each capability's module reads and writes its own tables; this one only says what the
tables are. A shipped migration is never edited: a change is a new one at the end, and
inventory.py must describe every table and column it leaves (a test compares them). No
queries here: they live with the capability whose tables they touch.

The migrations are written once for SQLite and PostgreSQL. A line ending in
`-- postgres only` or `-- sqlite only` belongs to that database alone, and INTEGER is
PostgreSQL's BIGINT (dialects.schema_for does both), as SQLite's INTEGER is 64 bits.
"""

from __future__ import annotations

from datetime import datetime

# Each entry moves the schema one version on; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE group_settings (
        pseudonym TEXT PRIMARY KEY,
        crisis_posts INTEGER NOT NULL DEFAULT 1,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX group_settings_expiry ON group_settings (expires_at);
    CREATE TABLE daily_counts (
        day TEXT NOT NULL,
        name TEXT NOT NULL,
        count INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (day, name)
    );
    CREATE INDEX daily_counts_expiry ON daily_counts (expires_at);
    """,
    """
    CREATE TABLE chat_preferences (
        pseudonym TEXT PRIMARY KEY,
        zone TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX chat_preferences_expiry ON chat_preferences (expires_at);
    CREATE TABLE subscriptions (
        pseudonym TEXT NOT NULL,
        kind TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        sealed_chat TEXT NOT NULL,
        minute INTEGER NOT NULL,
        zone TEXT NOT NULL,
        last_delivered TEXT,
        next_due_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, kind, thread_id)
    );
    CREATE INDEX subscriptions_due ON subscriptions (next_due_at);
    CREATE INDEX subscriptions_expiry ON subscriptions (expires_at);
    """,
    """
    CREATE TABLE listeners (
        pseudonym TEXT PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        guide_accepted INTEGER NOT NULL,
        sealed_chat TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX listeners_expiry ON listeners (expires_at);
    CREATE TABLE blocks (
        blocker TEXT NOT NULL,
        blocked TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (blocker, blocked)
    );
    CREATE INDEX blocks_expiry ON blocks (expires_at);
    CREATE TABLE peer_sessions (
        pseudonym TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        sealed_chat TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX peer_sessions_expiry ON peer_sessions (expires_at);
    CREATE TABLE discreet_chats (
        pseudonym TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX discreet_chats_expiry ON discreet_chats (expires_at);
    """,
    """
    CREATE TABLE meetings (
        pseudonym TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        sealed_chat TEXT NOT NULL,
        format_id TEXT NOT NULL,
        chair TEXT NOT NULL,
        timer_minutes INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, thread_id)
    );
    CREATE INDEX meetings_expiry ON meetings (expires_at);
    CREATE TABLE meeting_chairs (
        pseudonym TEXT NOT NULL,
        member TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, member)
    );
    CREATE INDEX meeting_chairs_expiry ON meeting_chairs (expires_at);
    CREATE TABLE etiquette_settings (
        pseudonym TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        strictness TEXT NOT NULL,
        scope TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, thread_id)
    );
    CREATE INDEX etiquette_settings_expiry ON etiquette_settings (expires_at);
    """,
    """
    ALTER TABLE subscriptions ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
    """,
    # Who started a meeting was stored and never read; a chair is allowed in one topic.
    """
    ALTER TABLE meetings DROP COLUMN chair;
    CREATE TABLE meeting_chairs_by_topic (
        pseudonym TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, thread_id, member)
    );
    INSERT INTO meeting_chairs_by_topic (pseudonym, thread_id, member, expires_at)
        SELECT pseudonym, 0, member, expires_at FROM meeting_chairs;
    DROP TABLE meeting_chairs;
    ALTER TABLE meeting_chairs_by_topic RENAME TO meeting_chairs;
    CREATE INDEX meeting_chairs_expiry ON meeting_chairs (expires_at);
    CREATE INDEX meeting_chairs_member ON meeting_chairs (member);
    """,
    """
    ALTER TABLE subscriptions ADD COLUMN planned_at INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN refused_since INTEGER;
    CREATE INDEX subscriptions_planned ON subscriptions (planned_at);
    """,
    # PostgreSQL keeps a deleted row's bytes until VACUUM (SQLite's secure_delete overwrites
    # them at once): have autovacuum visit a table on its next round once any row in it was
    # erased or changed, not after a fifth of the table, which could take months.
    "".join(
        f"ALTER TABLE {table} SET (autovacuum_vacuum_scale_factor = 0, "
        "autovacuum_vacuum_threshold = 0);  -- postgres only\n"
        for table in (
            "group_settings",
            "daily_counts",
            "chat_preferences",
            "subscriptions",
            "listeners",
            "blocks",
            "peer_sessions",
            "discreet_chats",
            "meetings",
            "meeting_chairs",
            "etiquette_settings",
        )
    ),
    # Each of Telegram's updates processed once across instances (updates.py).
    """
    CREATE TABLE update_claims (
        update_id INTEGER PRIMARY KEY,
        done INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX update_claims_expiry ON update_claims (expires_at);
    ALTER TABLE update_claims SET (autovacuum_vacuum_threshold = 0);  -- postgres only
    ALTER TABLE update_claims SET (autovacuum_vacuum_scale_factor = 0);  -- postgres only
    """,
    # The delivery tick claims what it sends (delivery.py), so any instance may tick.
    """
    ALTER TABLE subscriptions ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN claimed_by TEXT;
    CREATE INDEX subscriptions_claimed ON subscriptions (claimed_by);
    """,
    # Meetings a group's admins scheduled (meeting_schedules.py), claimed by the tick
    # that opens and closes them as subscriptions are.
    """
    CREATE TABLE meeting_schedules (
        pseudonym TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        slot TEXT NOT NULL,
        sealed_chat TEXT NOT NULL,
        days INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        zone TEXT NOT NULL,
        format_id TEXT NOT NULL,
        title TEXT NOT NULL,
        language TEXT NOT NULL,
        start_at INTEGER NOT NULL,
        stage INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        lease_until INTEGER NOT NULL DEFAULT 0,
        claimed_by TEXT,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, thread_id, slot)
    );
    CREATE INDEX meeting_schedules_due ON meeting_schedules (next_at);
    CREATE INDEX meeting_schedules_claimed ON meeting_schedules (claimed_by);
    CREATE INDEX meeting_schedules_expiry ON meeting_schedules (expires_at);
    ALTER TABLE meeting_schedules SET (autovacuum_vacuum_threshold = 0);  -- postgres only
    ALTER TABLE meeting_schedules SET (autovacuum_vacuum_scale_factor = 0);  -- postgres only
    """,
    # Groups whose admins list their scheduled meetings in the directory (/meetings).
    """
    CREATE TABLE meeting_listings (
        pseudonym TEXT PRIMARY KEY,
        sealed_chat TEXT NOT NULL,
        invite_link TEXT NOT NULL,
        language TEXT NOT NULL,
        newcomers INTEGER NOT NULL,
        approval INTEGER NOT NULL,
        checked_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX meeting_listings_checked ON meeting_listings (checked_at);
    CREATE INDEX meeting_listings_expiry ON meeting_listings (expires_at);
    ALTER TABLE meeting_listings SET (autovacuum_vacuum_threshold = 0);  -- postgres only
    ALTER TABLE meeting_listings SET (autovacuum_vacuum_scale_factor = 0);  -- postgres only
    """,
    # A date a member chose to keep for /days, sealed (kept_days.py).
    """
    CREATE TABLE kept_days (
        pseudonym TEXT PRIMARY KEY,
        sealed_start TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX kept_days_expiry ON kept_days (expires_at);
    ALTER TABLE kept_days SET (autovacuum_vacuum_threshold = 0);  -- postgres only
    ALTER TABLE kept_days SET (autovacuum_vacuum_scale_factor = 0);  -- postgres only
    """,
)

# thread_id 0 stands for "no topic" (NULLs in a primary key are not equal to each other).
NO_THREAD = 0


def epoch(moment: datetime) -> int:
    """A moment as the tables keep it: whole seconds since the epoch."""
    return int(moment.timestamp())


def statements(script: str) -> list[str]:
    """A migration's statements, split at each ; (so none may hold one inside a value)."""
    return [part.strip() for part in script.split(";") if part.strip()]
