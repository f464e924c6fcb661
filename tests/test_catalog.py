import re
from pathlib import Path

import pytest

from bot.platform import inventory
from bot.platform.catalog import Catalog, CatalogError, Html
from bot.platform.privacy_notice import markdown_table, render_privacy
from bot.plumbing.commands import GROUP_COMMANDS, PRIVATE_COMMANDS, command_list
from bot.safety.resources import AnswerKind, render

CATALOG = Catalog.load()
ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_TEXT_LIMIT = 4096


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        used |= set(re.findall(r"\"((?:[a-z_]+\.)+[a-z_]+)\"", path.read_text(encoding="utf-8")))
    known = set(CATALOG.text_keys())
    candidates = {key for key in used if key.split(".")[0] in {k.split(".")[0] for k in known}}
    assert candidates - known == set()


def test_every_inventory_entry_has_words_for_members() -> None:
    for table in inventory.TABLES:
        for part in ("what", "why", "how_long"):
            assert f"privacy.tables.{table.name}.{part}" in CATALOG.text_keys()
    for stored in inventory.FILES:
        for part in ("what", "why", "how_long"):
            assert f"privacy.files.{stored.name}.{part}" in CATALOG.text_keys()


def test_values_are_escaped_and_html_fragments_are_not() -> None:
    assert "&lt;b&gt;" in CATALOG.text("resources.unknown_region", "en", codes="<b>")
    assert "<i>x</i>" in CATALOG.text(
        "privacy.item", "en", what=Html("<i>x</i>"), why="", how_long=""
    )


def test_language_fallback() -> None:
    assert CATALOG.language_for("en-GB") == "en"
    assert CATALOG.language_for("xx") == "en"
    assert CATALOG.language_for(None) == "en"


def test_a_second_language_falls_back_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "en.toml").write_text('[a]\nhello = "Hello {name}"\nbye = "Bye"\n')
    (tmp_path / "texts" / "es.toml").write_text('[a]\nhello = "Hola {name}"\n')
    (tmp_path / "crisis_lines.toml").write_bytes(
        (ROOT / "bot" / "content" / "crisis_lines.toml").read_bytes()
    )
    catalog = Catalog.load(tmp_path)
    assert catalog.language_for("es-MX") == "es"
    assert catalog.text("a.hello", "es", name="Ana") == "Hola Ana"
    assert catalog.text("a.bye", "es") == "Bye"


def test_a_translation_with_other_placeholders_is_refused(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "en.toml").write_text('[a]\nhello = "Hello {name}"\n')
    (tmp_path / "texts" / "es.toml").write_text('[a]\nhello = "Hola {nombre}"\n')
    with pytest.raises(CatalogError, match="placeholders"):
        Catalog.load(tmp_path)


def test_crisis_lines_come_only_from_the_shared_list() -> None:
    shared = ROOT.parent / "shared" / "crisis-lines.md"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    source = shared.read_text(encoding="utf-8")
    for region in CATALOG.crisis_lines.regions.values():
        for line in region.lines:
            for contact in line.contact.every:
                for number in re.findall(r"\d[\d -]{1,}\d", contact):
                    assert number in source, f"{region.code}: {number} is not in crisis-lines.md"
            assert line.name("en") in source
    assert CATALOG.crisis_lines.directory.url in source
    for region in CATALOG.crisis_lines.regions.values():
        for line in region.lines:
            if line.url:
                assert line.url in source, line.url


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", list(AnswerKind))
@pytest.mark.parametrize("region", [None, "JP", *CATALOG.crisis_lines.regions])
def test_every_answer_fits_one_message_and_always_offers_the_directory(
    region: str | None, kind: AnswerKind, language: str
) -> None:
    rendered = render(CATALOG, language, kind, region)
    assert len(rendered.text) < TELEGRAM_TEXT_LIMIT
    assert rendered.links[-1] != ("findahelpline.com", "https://findahelpline.com")
    assert rendered.links[-1] == ("Find A Helpline", "https://findahelpline.com")
    if kind is not AnswerKind.CONCERN:
        assert "findahelpline.com" in rendered.text
        emergency = CATALOG.crisis_lines.region(region)
        number = emergency.emergency if emergency else CATALOG.crisis_lines.fallback_emergency
        assert number(language) in rendered.text


@pytest.mark.parametrize("region", [None, *CATALOG.crisis_lines.regions])
def test_an_overdose_answer_puts_the_emergency_number_first(region: str | None) -> None:
    rendered = render(CATALOG, "en", AnswerKind.OVERDOSE, region)
    found = CATALOG.crisis_lines.region(region)
    number = (found.emergency if found else CATALOG.crisis_lines.fallback_emergency)("en")
    assert rendered.text.startswith(f"<b>Call {number} now.</b>")
    assert "naloxone" in rendered.text
    assert ("without a prescription" in rendered.text) == (region == "US")


def test_every_text_fits_a_message() -> None:
    for key in CATALOG.text_keys():
        assert len(CATALOG.text(key, "en", **_dummy(key))) < TELEGRAM_TEXT_LIMIT, key
    parts = render_privacy(CATALOG, "en")
    assert all(len(part) < TELEGRAM_TEXT_LIMIT for part in parts)
    assert "privacy.outro" not in parts[-1]


@pytest.mark.parametrize("language", ["en", "es"])
def test_privacy_on_postgres_says_what_the_database_keeps_of_an_erased_row(language: str) -> None:
    on_sqlite = "\n".join(render_privacy(CATALOG, language))
    on_postgres = render_privacy(CATALOG, language, on_postgres=True)
    assert all(len(part) < TELEGRAM_TEXT_LIMIT for part in on_postgres)
    said = "\n".join(on_postgres)
    assert "PostgreSQL" in said
    assert "autovacuum" in said
    assert "PostgreSQL" not in on_sqlite
    # No data folder files with PostgreSQL: the secret is given, the lock is in the database.
    lock_file = CATALOG.text("privacy.files.porchlight.lock.what", language)
    assert lock_file in on_sqlite
    assert lock_file not in said


def test_command_menus_are_valid_for_telegram() -> None:
    for scope, names in (("private", PRIVATE_COMMANDS), ("group", GROUP_COMMANDS)):
        commands = command_list(CATALOG, "en", scope)
        assert [c.command for c in commands] == list(names)
        for command in commands:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command.command)
            assert 1 <= len(command.description) <= 256


def test_readme_privacy_table_is_the_inventory() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table(CATALOG) in readme, (
        "regenerate with: python -m bot.platform.privacy_notice"
    )


def _dummy(key: str) -> dict[str, str]:
    from bot.platform.catalog import placeholders

    return {name: "x" for name in placeholders(CATALOG.template(key))}


def _crisis_lines_with(tmp_path: Path, old: str, new: str) -> Path:
    (tmp_path / "texts").mkdir()
    for language in ("en", "es"):
        source = ROOT / "bot" / "content" / "texts" / f"{language}.toml"
        (tmp_path / "texts" / f"{language}.toml").write_bytes(source.read_bytes())
    shipped = (ROOT / "bot" / "content" / "crisis_lines.toml").read_text(encoding="utf-8")
    assert old in shipped
    (tmp_path / "crisis_lines.toml").write_text(shipped.replace(old, new), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        # Words pasted into every language: a Spanish member would read English.
        (
            'hours = { en = "24/7, free", es = "24/7, gratuita" }',
            'hours = "24/7, free"',
            "needs a text in each language",
        ),
        ('es = "Reino Unido"', 'fr = "Royaume-Uni"', "has no text in es"),
        (
            'emergency = { en = "112 or 999", es = "112 o 999" }',
            'emergency = { en = "112 or 999" }',
            "has no text in es",
        ),
    ],
)
def test_crisis_line_data_without_every_language_is_refused(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    with pytest.raises(CatalogError, match=problem):
        Catalog.load(_crisis_lines_with(tmp_path, old, new))


def test_a_value_with_no_words_may_stand_for_every_language() -> None:
    us = CATALOG.crisis_lines.region("US")
    assert us is not None
    assert us.emergency("en") == us.emergency("es") == "911"
    assert us.name("es") == "Estados Unidos"
    assert "AYUDA" in us.lines[0].contact("es")


@pytest.mark.parametrize("kind", list(AnswerKind))
@pytest.mark.parametrize("region", [None, "INT", *CATALOG.crisis_lines.regions])
def test_a_spanish_answer_carries_no_english_data(region: str | None, kind: AnswerKind) -> None:
    english = render(CATALOG, "en", kind, region).text
    spanish = render(CATALOG, "es", kind, region).text
    for fragment in ("your local", "also works", "free", "verified human", "call or text"):
        assert fragment not in spanish, fragment
    assert spanish != english
