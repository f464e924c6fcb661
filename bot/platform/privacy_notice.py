"""Renders the inventory for people: the /privacy answer and the README's privacy tables."""

from __future__ import annotations

from bot.platform import inventory
from bot.platform.catalog import DEFAULT_LANGUAGE, Catalog, Html

# Under Telegram's 4,096 characters, with room for a discreet-mode first line.
MESSAGE_LIMIT = 4000


def _entries(
    catalog: Catalog, language: str, *, with_files: bool = True
) -> list[tuple[str, str, str]]:
    keys = [f"privacy.tables.{table.name}" for table in inventory.TABLES]
    if with_files:
        keys += [f"privacy.files.{stored.name}" for stored in inventory.FILES]
    return [
        (
            catalog.text(f"{key}.what", language),
            catalog.text(f"{key}.why", language),
            catalog.text(f"{key}.how_long", language),
        )
        for key in keys
    ]


def render_privacy(catalog: Catalog, language: str, *, on_postgres: bool = False) -> list[str]:
    """The /privacy answer, as few messages as fit Telegram's limit, split between items.

    On PostgreSQL the data folder holds nothing (so its files are not listed), and what
    the database keeps of an erased row, until when, is said before the outro."""
    items = [
        catalog.text("privacy.item", language, what=Html(what), why=Html(why), how_long=Html(how))
        for what, why, how in _entries(catalog, language, with_files=not on_postgres)
    ]
    parts = [
        catalog.text("privacy.intro", language),
        catalog.text("privacy.items_header", language),
        *items,
        *([catalog.text("privacy.postgres", language)] if on_postgres else []),
        catalog.text("privacy.outro", language),
    ]
    messages = [parts[0]]
    for part in parts[1:]:
        if len(messages[-1]) + 2 + len(part) < MESSAGE_LIMIT:
            messages[-1] += "\n\n" + part
        else:
            messages.append(part)
    return messages


def markdown_table(catalog: Catalog) -> str:
    lines = ["| what is kept | why | how long |", "|---|---|---|"]
    lines += [f"| {w} | {y} | {h} |" for w, y, h in _entries(catalog, DEFAULT_LANGUAGE)]
    return "\n".join(lines)


def memory_table() -> str:
    """What lives in memory only, and for how long (bot/platform/inventory.py's MEMORY)."""
    lines = ["| held in memory | what | how long |", "|---|---|---|"]
    lines += [f"| {m.name} | {m.holds} | {m.lifetime} |" for m in inventory.MEMORY]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(Catalog.load()))
    print()
    print(memory_table())
