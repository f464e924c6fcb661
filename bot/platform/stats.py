"""The operator's numbers: counts per day, with no ids, names or words (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.peers.checkin import HELPS, MOODS, help_counter, mood_counter
from bot.platform.catalog import Catalog

STATS_DAYS = 14
SAFETY_COUNTERS = (
    "crisis_private",
    "overdose_private",
    "concern_private",
    "unsure_private",
    "crisis_group",
    "overdose_group",
)
PEER_COUNTERS = (
    "checkins",
    "peer_requests",
    "peer_chats_started",
    "peer_chats_ended",
    "peer_offers_expired",
    "peer_long_waits",
    "peer_reports",
)
# Scheduled deliveries Telegram refused (see bot/delivery/refusals.py), and what came of them.
DELIVERY_COUNTERS = (
    "deliveries_refused",
    "delivery_notices",
    "delivery_notices_unsent",
    "deliveries_given_up",
)
HOUR_BANDS = tuple(f"checkin_hours_{hour:02d}" for hour in range(0, 24, 4))
WAITS = ("peer_wait_under_1m", "peer_wait_under_5m", "peer_wait_under_15m", "peer_wait_15m_plus")


def stats_since(now: datetime) -> datetime:
    return now - timedelta(days=STATS_DAYS - 1)


def render_stats(
    catalog: Catalog, language: str, counts: dict[str, dict[str, int]], now: datetime
) -> str:
    """Per-day rows for crisis safety, peer support and refused deliveries, newest first,
    every day shown even when nothing happened; then the period's check-ins by answer,
    hour and wait."""
    lines = [catalog.text("stats.header", language, days=STATS_DAYS)]
    for counters in (SAFETY_COUNTERS, PEER_COUNTERS, DELIVERY_COUNTERS):
        lines.append("")
        lines.extend(_daily_rows(catalog, language, counts, now, counters))
    totals = _totals(counts)
    lines.append("")

    moods = " · ".join(
        f"{catalog.text(f'checkin.mood.{m}', language)} {totals.get(mood_counter(m), 0)}"
        for m in MOODS
    )
    helps = " · ".join(
        f"{catalog.text(f'checkin.help.{h}', language)} {totals.get(help_counter(h), 0)}"
        for h in HELPS
    )
    hours = " · ".join(
        f"{name[-2:]}–{int(name[-2:]) + 4:02d} {totals.get(name, 0)}" for name in HOUR_BANDS
    )
    waits = " · ".join(
        f"{name.removeprefix('peer_wait_').replace('_', ' ')} {totals.get(name, 0)}"
        for name in WAITS
    )
    lines.append(catalog.text("stats.peers.moods", language, moods=moods))
    lines.append(catalog.text("stats.peers.helps", language, helps=helps))
    lines.append(catalog.text("stats.peers.hours", language, hours=hours))
    lines.append(catalog.text("stats.peers.waits", language, waits=waits))
    return "\n".join(lines)


def _daily_rows(
    catalog: Catalog,
    language: str,
    counts: dict[str, dict[str, int]],
    now: datetime,
    counters: tuple[str, ...],
) -> list[str]:
    labels = [catalog.text(f"stats.counter.{name}", language) for name in counters]
    lines = [catalog.text("stats.legend", language, legend=" · ".join(labels))]
    for offset in range(STATS_DAYS):
        day = (now - timedelta(days=offset)).date().isoformat()
        numbers = counts.get(day, {})
        row = " · ".join(str(numbers.get(name, 0)) for name in counters)
        lines.append(f"<code>{day}</code>  {row}")
    totals = _totals(counts)
    row = " · ".join(str(totals.get(name, 0)) for name in counters)
    lines.append(catalog.text("stats.totals", language, totals=row))
    return lines


def _totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for day in counts.values():
        for name, number in day.items():
            totals[name] = totals.get(name, 0) + number
    return totals
