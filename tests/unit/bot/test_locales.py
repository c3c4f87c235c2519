"""The catalogs: complete in Russian, compiled .mo in step with the .po, template in
step with the code."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.i18n import LOCALES, LOCALES_DIR, create_i18n

SOURCES = ["bot/handlers", "bot/keyboards", "bot/middlewares", "bot/rendering"]
ROOT = LOCALES_DIR.parent.parent


def po(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def entries(catalog: Catalog) -> dict[object, object]:
    def frozen(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id and not m.fuzzy}


def translated(value: object) -> bool:
    return all(value) if isinstance(value, tuple) else bool(value)


def test_every_message_has_a_russian_translation() -> None:
    missing = [key for key, value in entries(po("ru")).items() if not translated(value)]
    assert missing == []
    assert not [m.id for m in po("ru") if m.id and m.fuzzy]


def test_russian_plurals_have_three_forms() -> None:
    plurals = [m for m in po("ru") if isinstance(m.id, tuple)]
    assert plurals
    assert all(isinstance(m.string, tuple) and len(m.string) == 3 for m in plurals)


def test_placeholders_survive_translation() -> None:
    for m in po("ru"):
        if not m.id:
            continue
        source = m.id if isinstance(m.id, str) else m.id[0]
        assert m.string is not None, m.id
        strings = (m.string,) if isinstance(m.string, str) else tuple(m.string)
        wanted = set(re.findall(r"\{\w+\}", source))
        for translated in strings:
            assert set(re.findall(r"\{\w+\}", translated)) == wanted, m.id


@pytest.mark.parametrize("locale", LOCALES)
def test_mo_files_are_compiled_from_the_current_po(locale: str) -> None:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    # Untranslated entries compile to nothing or to the msgid: both read as the msgid.
    expected = {k: v for k, v in entries(po(locale)).items() if translated(v) and k != v}
    actual = {k: v for k, v in entries(compiled).items() if translated(v) and k != v}
    assert actual == expected


def test_template_matches_the_code() -> None:
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    extracted = {
        message
        for source in SOURCES
        for _, _, message, _, _ in extract_from_dir(ROOT / source, keywords=keywords)
    }
    with (LOCALES_DIR / "messages.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert extracted == committed, "run pybabel extract/update/compile (see bot/i18n.py)"
    assert extracted <= set(entries(po("ru")))


def test_i18n_finds_both_locales() -> None:
    i18n = create_i18n("en")
    assert set(i18n.available_locales) == set(LOCALES)
    assert i18n.gettext("Buy", locale="ru") == "Купить"
