"""The operator's numbers: counts per day, with no ids, names or words (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.catalog import Catalog

STATS_DAYS = 14
COUNTERS = (
    "crisis_private",
    "overdose_private",
    "concern_private",
    "crisis_group",
    "overdose_group",
)


def stats_since(now: datetime) -> datetime:
    return now - timedelta(days=STATS_DAYS - 1)


def render_stats(
    catalog: Catalog, language: str, counts: dict[str, dict[str, int]], now: datetime
) -> str:
    """One line per day, newest first, every day shown even when nothing happened."""
    lines = [catalog.text("stats.header", language, days=STATS_DAYS)]
    labels = [catalog.text(f"stats.counter.{name}", language) for name in COUNTERS]
    lines.append(catalog.text("stats.legend", language, legend=" · ".join(labels)))
    for offset in range(STATS_DAYS):
        day = (now - timedelta(days=offset)).date().isoformat()
        numbers = counts.get(day, {})
        row = " · ".join(str(numbers.get(name, 0)) for name in COUNTERS)
        lines.append(f"<code>{day}</code>  {row}")
    totals = [sum(day.get(name, 0) for day in counts.values()) for name in COUNTERS]
    lines.append(catalog.text("stats.totals", language, totals=" · ".join(map(str, totals))))
    return "\n".join(lines)
