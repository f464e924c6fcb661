"""How library pages and readings read in a chat (pure: catalogue and library in, text out)."""

from __future__ import annotations

import html

from bot.platform.catalog import Catalog, Html
from bot.readings.library import Library, Reading, Topic

PAGE_SIZE = 4


def _body(reading: Reading) -> Html:
    return Html(html.escape(reading.body))


def render_reading(catalog: Catalog, language: str, reading: Reading) -> str:
    return catalog.text(
        "library.reading",
        language,
        title=reading.title,
        summary=reading.summary,
        body=_body(reading),
    )


def render_copy(catalog: Catalog, language: str, reading: Reading) -> str:
    """The clean copy a member takes: the reading alone, nothing to press."""
    return catalog.text("library.copy", language, title=reading.title, body=_body(reading))


def render_page(
    catalog: Catalog, language: str, topic: Topic, readings: list[Reading], page: int, pages: int
) -> str:
    lines = [catalog.text("library.page", language, topic=topic.title, page=page + 1, pages=pages)]
    lines += [
        catalog.text("library.entry", language, title=r.title, summary=r.summary) for r in readings
    ]
    return "\n\n".join(lines)


def render_results(catalog: Catalog, language: str, query: str, found: list[Reading]) -> str:
    lines = [catalog.text("library.results", language, query=query[:80])]
    lines += [
        catalog.text("library.entry", language, title=r.title, summary=r.summary) for r in found
    ]
    return "\n\n".join(lines)


def topic_of(library: Library, reading: Reading, index: int | None) -> Topic:
    """The topic a reading was opened from, else its first topic."""
    if index is not None and 0 <= index < len(library.topics):
        topic = library.topics[index]
        if topic.id in reading.topics:
            return topic
    found = library.topic(reading.topics[0])
    assert found is not None, "load_library checks every reading's topics"
    return found
