"""The /resources answer: crisis lines and professional help for a region (pure)."""

from __future__ import annotations

from bot.catalog import Catalog

INTERNATIONAL = "INT"


def resolve_region(chosen: str | None, operator_default: str | None) -> str | None:
    """The member's own choice first, then the operator's region; None is international.

    Never guessed from a member's language: Spanish speakers live in many countries.
    """
    if chosen == INTERNATIONAL:
        return None
    return chosen or operator_default


def render_resources(catalog: Catalog, language: str, region_code: str | None) -> str:
    lines = catalog.crisis_lines
    region = lines.region(region_code)
    parts: list[str] = []
    if region is None:
        parts.append(catalog.text("resources.header_international", language))
        parts.append(catalog.text("resources.emergency", language, number=lines.fallback_emergency))
        if region_code is not None:
            parts.append(catalog.text("resources.no_lines", language))
    else:
        parts.append(catalog.text("resources.header", language, region=region.name))
        parts.append(catalog.text("resources.emergency", language, number=region.emergency))
        crisis = [line for line in region.lines if line.kind == "crisis"]
        parts.append(
            "\n".join(
                catalog.text(
                    "resources.line",
                    language,
                    name=line.name,
                    contact=line.contact,
                    hours=line.hours,
                )
                for line in crisis
            )
        )
    parts.append(
        catalog.text(
            "resources.directory",
            language,
            url=lines.directory.url,
            name=lines.directory.name,
            about=lines.directory.about,
        )
    )
    treatment = (
        [] if region is None else [line for line in region.lines if line.kind == "treatment"]
    )
    help_lines = [catalog.text("resources.treatment_header", language)]
    help_lines += [
        catalog.text(
            "resources.line", language, name=line.name, contact=line.contact, hours=line.hours
        )
        for line in treatment
    ]
    help_lines.append(catalog.text("resources.professional", language))
    parts.append("\n".join(help_lines))
    parts.append(catalog.text("resources.closing", language))
    return "\n\n".join(parts)


def region_codes(catalog: Catalog) -> list[str]:
    return list(catalog.crisis_lines.regions)
