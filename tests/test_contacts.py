"""Contact details in meeting messages: the labelled set's floors, the crisis lines we ship,
and named cases."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.peers.contacts import CRISIS_LINES_FILE, KINDS, find_contact, shipped_allowed

LABELLED = Path(__file__).parent / "data" / "contact_details_labelled.jsonl"
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.9


def labelled() -> list[dict[str, Any]]:
    with LABELLED.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_the_labelled_set_is_well_formed() -> None:
    rows = labelled()
    assert len(rows) >= 100
    for row in rows:
        assert row["why"] in (*KINDS, "none")
        assert row["contact"] is (row["why"] != "none")


def test_precision_and_recall_meet_the_floors() -> None:
    rows = labelled()
    found = [(row, find_contact(row["text"])) for row in rows]
    true_positive = sum(row["contact"] and kind is not None for row, kind in found)
    false_positive = [(row, kind) for row, kind in found if kind and not row["contact"]]
    missed = [row for row, kind in found if row["contact"] and kind is None]
    precision = true_positive / (true_positive + len(false_positive))
    recall = true_positive / (true_positive + len(missed))
    same_kind = sum(kind == row["why"] for row, kind in found if row["contact"] and kind)
    print(
        f"\ncontact precision {precision:.3f}, recall {recall:.3f}; "
        f"kind right {same_kind}/{true_positive}"
    )
    for why in KINDS:
        rows_of_kind = [kind for row, kind in found if row["why"] == why]
        hit = sum(kind is not None for kind in rows_of_kind)
        print(f"  {why}: recall {hit / len(rows_of_kind):.3f} ({hit}/{len(rows_of_kind)})")
    for row, kind in false_positive:
        print(f"  flagged as {kind}: {row['text']}")
    for row in missed:
        print(f"  missed {row['why']}: {row['text']}")
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def _crisis_line_details() -> list[str]:
    """Every number, address and site the shipped crisis lines give, as written there."""
    with CRISIS_LINES_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    details: list[str] = [data["directory"]["url"]]
    for region in data["region"]:
        details += re.findall(r"\d[\d ()-]*\d|\d", str(region["emergency"]))
        for line in region["line"]:
            contact = line["contact"]
            for written in contact.values() if isinstance(contact, dict) else [contact]:
                details.append(written)
                details += re.findall(r"\+?\d[\d -]*\d(?:-[A-Z]{4})?", written)
                details += re.findall(r"[\w.]+@[\w.]+", written)
            details += [line["url"]] if line.get("url") else []
            details += re.findall(r"\b[\w.-]+\.(?:org|com|gov|fr|de|nl|au)\S*", line["source"])
    return details


def test_every_crisis_line_we_ship_is_allowed() -> None:
    details = _crisis_line_details()
    assert len(details) >= 30
    for detail in details:
        assert find_contact(detail) is None, detail
        assert find_contact(f"you can call or write to {detail} any time") is None, detail


def test_the_allowed_list_is_read_from_the_crisis_lines_file() -> None:
    allowed = shipped_allowed()
    assert "18006624357" in allowed.numbers
    assert "jo@samaritans.org" in allowed.emails
    assert {"findahelpline.com", "988lifeline.org", "113.nl"} <= allowed.hosts


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("text me on 07700 900321", "phone"),
        ("(415) 555-0134", "phone"),
        ("my num is seven seven zero zero nine zero zero one two three", "phone"),
        ("0 7 7 0 0 9 0 0 4 5 6", "phone"),
        ("lou at gmail dot com", "email"),
        ("m a r i a 8 8 @ hotmail . com", "email"),
        ("sober.ben@web.de is me", "email"),
        ("check out example.org", "link"),
        ("t.me/soberchat_uk", "link"),
        ("add me on insta: lou.sober", "handle"),
        ("my snap is jaybird_22", "handle"),
        # The first kind in the text wins.
        ("@sam_k or 07700 900321", "handle"),
        ("07700 900321 or @sam_k", "phone"),
        ("step 4", None),
        ("90 days", None),
        ("I got sober on 2024-05-01", None),
        ("the meeting starts at 21:30", None),
        ("£1,200 paid back", None),
        ("/share", None),
        ("see you @ 8", None),
        ("SAMHSA is 1-800-662-4357 (1-800-662-HELP)", None),
        ("Samaritans from abroad: +44 116 123", None),
        ("my instagram used to be all party pics", None),
    ],
)
def test_named_cases(text: str, kind: str | None) -> None:
    assert find_contact(text) == kind
