"""Help-now answers: crisis lines, emergency numbers and overdose steps for a region (pure).

One renderer serves /resources and every crisis answer, so a member sees the same lines
whichever way they arrive. Numbers stay in the text, where they can be copied or tapped;
websites become URL buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.platform.catalog import Catalog, CrisisLine, Region
from bot.platform.textfold import fold

INTERNATIONAL = "INT"


class AnswerKind(StrEnum):
    """What the answer is for; short values, since they ride in callback data."""

    RESOURCES = "r"  # asked for with /resources
    CRISIS = "c"  # crisis language in a private chat
    OVERDOSE = "o"  # an overdose, the writer's or someone else's
    CONCERN = "w"  # worrying, but not a crisis
    GROUP = "g"  # crisis language in a group: a post for everyone, pointing at no one


@dataclass(frozen=True)
class Rendered:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


def resolve_region(chosen: str | None, operator_default: str | None) -> str | None:
    """The member's choice (carried in the button they pressed; INTERNATIONAL for the
    directory), else the operator's region; None when neither is known, and the answer
    then asks for the country first. Never guessed from a member's language."""
    return chosen or operator_default


def is_known_region(catalog: Catalog, code: str) -> bool:
    return code == INTERNATIONAL or code in catalog.crisis_lines.regions


def find_region(catalog: Catalog, typed: str) -> str | None:
    """The region a member typed: its code ("GB") or its name in any language the buttons
    show ("United Kingdom", "Reino Unido", "espana"), forgiving case and accents."""
    wanted = fold(" ".join(typed.split()))
    if not wanted:
        return None
    if is_known_region(catalog, wanted.upper()):
        return wanted.upper()
    for code, region in catalog.crisis_lines.regions.items():
        if wanted in (fold(name) for name in region.name.every):
            return code
    international = (
        catalog.text("resources.international_button", lang) for lang in catalog.languages
    )
    if wanted in (fold(name) for name in international):
        return INTERNATIONAL
    return None


def region_codes(catalog: Catalog) -> list[str]:
    return [*catalog.crisis_lines.regions, INTERNATIONAL]


def render(catalog: Catalog, language: str, kind: AnswerKind, region_code: str | None) -> Rendered:
    lines = catalog.crisis_lines
    region = lines.region(region_code)
    emergency = (region.emergency if region else lines.fallback_emergency)(language)

    def t(key: str, **values: object) -> str:
        return catalog.text(key, language, **values)

    parts: list[str] = []
    # With no region known, the first thing offered is the country, one tap away (the
    # buttons come first under the answer), so a number to call is never far.
    pick = t("resources.pick_country") if region_code is None else ""
    if kind is AnswerKind.OVERDOSE:
        parts.append(t("overdose.call_first", number=emergency))
        parts.append(pick)
        parts.append(t("overdose.steps"))
        if region is not None and region.code in lines.naloxone_over_the_counter:
            parts.append(t("overdose.naloxone_otc"))
    elif kind is AnswerKind.CRISIS:
        parts.append(t("crisis.opening"))
        parts.append(t("crisis.emergency", number=emergency))
        parts.append(pick)
    elif kind is AnswerKind.CONCERN:
        parts.append(t("concern.opening"))
    elif kind is AnswerKind.GROUP:
        parts.append(t("crisis.group_opening"))
        parts.append(t("crisis.emergency", number=emergency))
        parts.append(pick)
    else:
        parts.append(
            t("resources.header", region=region.name(language))
            if region
            else t("resources.header_international")
        )
        parts.append(t("resources.emergency", number=emergency))
        parts.append(pick)

    parts.append(_lines_block(catalog, language, region, region_code))
    if kind is AnswerKind.RESOURCES:
        parts.append(_treatment_block(catalog, language, region))
    closing = {
        AnswerKind.RESOURCES: "resources.closing",
        AnswerKind.CRISIS: "crisis.closing",
        AnswerKind.OVERDOSE: "overdose.closing",
        AnswerKind.CONCERN: "concern.closing",
        AnswerKind.GROUP: "crisis.group_closing",
    }[kind]
    parts.append(t(closing))
    return Rendered("\n\n".join(part for part in parts if part), _links(catalog, language, region))


def _line(catalog: Catalog, language: str, line: CrisisLine) -> str:
    about = {"about": line.about(language)} if line.about else {}
    return catalog.text(
        "resources.line_about" if line.about else "resources.line",
        language,
        name=line.name(language),
        contact=line.contact(language),
        hours=line.hours(language),
        **about,
    )


def _lines_block(
    catalog: Catalog, language: str, region: Region | None, region_code: str | None
) -> str:
    directory = catalog.crisis_lines.directory
    rows: list[str] = []
    if region is None:
        if region_code not in (None, INTERNATIONAL):
            rows.append(catalog.text("resources.no_lines", language))
    else:
        rows += [_line(catalog, language, line) for line in region.lines if line.kind == "crisis"]
    rows.append(
        catalog.text(
            "resources.directory",
            language,
            name=directory.name,
            about=directory.about(language),
            url=directory.url,
        )
    )
    return "\n".join(rows)


def _treatment_block(catalog: Catalog, language: str, region: Region | None) -> str:
    rows = [catalog.text("resources.treatment_header", language)]
    if region is not None:
        rows += [_line(catalog, language, ln) for ln in region.lines if ln.kind == "treatment"]
    rows.append(catalog.text("resources.professional", language))
    return "\n".join(rows)


def _links(catalog: Catalog, language: str, region: Region | None) -> list[tuple[str, str]]:
    links = [
        (line.url_label(language), line.url)
        for line in (region.lines if region else ())
        if line.kind == "crisis" and line.url and line.url_label
    ]
    directory = catalog.crisis_lines.directory
    links.append((directory.name, directory.url))
    return links
