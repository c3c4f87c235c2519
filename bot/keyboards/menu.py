"""Home menu, region chooser and language switch."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translator
from bot.keyboards.callbacks import LanguagePick, Menu, MenuAction, RegionPage, RegionPick
from bot.keyboards.common import back_button, paged_list, paginate
from bot.services.regions import flag, region_name

LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def _button(text: str, action: MenuAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=Menu(action=action).pack())


def home_keyboard(region: str | None, locale: str) -> InlineKeyboardMarkup:
    _ = translator(locale).gettext
    region_text = (
        f"{flag(region)} " + _("Region: {region}").format(region=region)
        if region
        else "🌍 " + _("Choose region")
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button("🛍 " + _("Catalog"), MenuAction.CATALOG)],
            [_button("📦 " + _("My orders"), MenuAction.ORDERS)],
            [
                _button(region_text, MenuAction.REGION),
                _button("🌐 " + _("Language"), MenuAction.LANGUAGE),
            ],
            [_button("❓ " + _("Help"), MenuAction.HELP)],
        ]
    )


def regions_keyboard(
    regions: list[str], *, suggested: str | None, page: int, locale: str, back: bool
) -> InlineKeyboardMarkup:
    """The suggested region first, then the others by name in the customer's language."""
    others = sorted((r for r in regions if r != suggested), key=lambda r: region_name(r, locale))
    ordered = ([suggested] if suggested else []) + others
    shown = paginate(ordered, page)
    buttons = [
        InlineKeyboardButton(
            text=f"{flag(region)} {region_name(region, locale)}",
            callback_data=RegionPick(region=region).pack(),
        )
        for region in shown.items
    ]
    return paged_list(
        buttons,
        page=shown.page,
        pages=shown.pages,
        make=lambda p: RegionPage(page=p),
        back=Menu(action=MenuAction.HOME) if back else None,
        locale=locale,
    )


def languages_keyboard(locales: tuple[str, ...], locale: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=("✓ " if code == locale else "") + LANGUAGE_NAMES.get(code, code),
                callback_data=LanguagePick(code=code).pack(),
            )
        ]
        for code in locales
    ]
    rows.append([back_button(Menu(action=MenuAction.HOME), locale)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_home_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[back_button(Menu(action=MenuAction.HOME), locale)]]
    )
