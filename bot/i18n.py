"""Translations: aiogram's gettext I18n over the Babel catalogs in `bot/locales`.

Handlers translate through aiogram's context (`gettext as _`, set per update by the
locale middleware); renderers that also run outside an update (the outbox sender)
take the locale explicitly and use `translator(locale)`.

After changing texts (from the repository root):
    pybabel extract -k N_ --project=giftbot --no-location --sort-output
        -o bot/locales/messages.pot bot/handlers bot/keyboards bot/middlewares bot/rendering
        (one command)
    pybabel update -i bot/locales/messages.pot -d bot/locales -D messages --no-fuzzy-matching
    (translate the new entries in bot/locales/ru/LC_MESSAGES/messages.po)
    pybabel compile -d bot/locales -D messages
tests/unit/bot/test_locales.py fails until all three steps are done.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from aiogram.utils.i18n import I18n

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
LOCALES: tuple[str, ...] = ("en", "ru")


def create_i18n(default_locale: str) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


@lru_cache(maxsize=len(LOCALES) + 1)
def translator(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of `locale`; msgids (English) for a locale we lack."""
    return gettext.translation(DOMAIN, LOCALES_DIR, languages=[locale], fallback=True)


def match_locale(language_code: str | None, available: tuple[str, ...]) -> str | None:
    """`ru` for Telegram's `ru`, `ru-RU` or `ru_RU`, if we have it; else None."""
    if not language_code:
        return None
    code = language_code.replace("_", "-").lower()
    for candidate in (code, code.split("-")[0]):
        if candidate in available:
            return candidate
    return None
