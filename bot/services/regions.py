"""Regions: what a customer picks, what a product's region unlocks, how regions are named.

A gift card works only on accounts of its region; `GLOBAL` cards work everywhere and
`EU` cards on accounts of any EU country, so a customer's region set is
{their region, EU if they are in it, GLOBAL}.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

GLOBAL = "GLOBAL"
EU = "EU"
EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
# Telegram sends a language, not a country: the likeliest store region for each.
_LANGUAGE_REGION = {
    "tr": "TR",
    "pt-br": "BR",
    "pt": "BR",
    "hi": "IN",
    "en-gb": "GB",
    "en-us": "US",
    "en": "US",
    "de": EU,
    "fr": EU,
    "es": EU,
    "it": EU,
    "nl": EU,
    "pl": EU,
}


def unlocked_regions(customer_region: str) -> list[str]:
    """Product regions whose cards work for a customer of `customer_region`."""
    regions = [customer_region]
    if customer_region in EU_MEMBERS:
        regions.append(EU)
    if customer_region != GLOBAL:
        regions.append(GLOBAL)
    return regions


def suggest_region(language_code: str | None, choices: list[str]) -> str | None:
    """The region to offer first, from Telegram's language_code, if we sell there."""
    if not language_code:
        return None
    code = language_code.lower()
    for key in (code, code.split("-")[0]):
        region = _LANGUAGE_REGION.get(key)
        if region in choices:
            return region
    return None


def flag(region: str) -> str:
    """🇺🇸 for US; 🇪🇺 for EU; 🌐 for GLOBAL."""
    if region == GLOBAL:
        return "🌐"
    if len(region) == 2 and region.isalpha():
        return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in region.upper())
    return "🏳"


def region_name(region: str, language: str) -> str:
    """The region's name in the customer's language (Babel's CLDR data)."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    if region == GLOBAL:
        return {"ru": "Весь мир"}.get(locale.language, "Worldwide")
    return str(locale.territories.get(region, region))
