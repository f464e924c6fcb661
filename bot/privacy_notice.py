"""Renders the inventory for people: the /privacy answer and the README's privacy table."""

from __future__ import annotations

from bot import inventory
from bot.catalog import DEFAULT_LANGUAGE, Catalog, Html


def _entries(catalog: Catalog, language: str) -> list[tuple[str, str, str]]:
    keys = [f"privacy.tables.{table.name}" for table in inventory.TABLES]
    keys += [f"privacy.files.{stored.name}" for stored in inventory.FILES]
    return [
        (
            catalog.text(f"{key}.what", language),
            catalog.text(f"{key}.why", language),
            catalog.text(f"{key}.how_long", language),
        )
        for key in keys
    ]


def render_privacy(catalog: Catalog, language: str) -> str:
    items = "\n\n".join(
        catalog.text("privacy.item", language, what=Html(what), why=Html(why), how_long=Html(how))
        for what, why, how in _entries(catalog, language)
    )
    return "\n\n".join(
        (
            catalog.text("privacy.intro", language),
            catalog.text("privacy.items_header", language),
            items,
            catalog.text("privacy.outro", language),
        )
    )


def markdown_table(catalog: Catalog) -> str:
    lines = ["| what is kept | why | how long |", "|---|---|---|"]
    lines += [f"| {w} | {y} | {h} |" for w, y, h in _entries(catalog, DEFAULT_LANGUAGE)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(Catalog.load()))
