"""Choosing the customer's region: suggested from their language, remembered, changeable."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import home_screen, show
from bot.i18n import translator
from bot.keyboards.callbacks import Menu, MenuAction, RegionPage, RegionPick
from bot.keyboards.menu import regions_keyboard
from bot.services.catalog import CatalogService
from bot.services.regions import flag, region_name, suggest_region
from bot.services.users import UserService
from storage.models import User


async def region_screen(
    catalog: CatalogService,
    user: User,
    *,
    language_code: str | None,
    page: int,
    locale: str,
) -> tuple[str, InlineKeyboardMarkup]:
    regions = await catalog.regions()
    suggested = suggest_region(language_code, regions)
    _ = translator(locale).gettext
    text = (
        "🌍 <b>"
        + escape(_("Choose your region"))
        + "</b>\n"
        + escape(
            _("Gift cards work only on accounts of their region, so we show what works for you.")
        )
    )
    if suggested and not user.region:
        where = f"{flag(suggested)} {region_name(suggested, locale)}"
        text += "\n\n" + escape(_("Suggested: {region}").format(region=where))
    keyboard = regions_keyboard(
        regions, suggested=suggested, page=page, locale=locale, back=user.region is not None
    )
    return text, keyboard


async def region_command(message: Message, catalog: CatalogService, user: User, i18n: I18n) -> None:
    language = message.from_user.language_code if message.from_user else None
    text, keyboard = await region_screen(
        catalog, user, language_code=language, page=0, locale=i18n.current_locale
    )
    await message.answer(text, reply_markup=keyboard)


async def region_page(
    callback: CallbackQuery,
    callback_data: Menu | RegionPage,
    catalog: CatalogService,
    user: User,
    i18n: I18n,
) -> None:
    page = callback_data.page if isinstance(callback_data, RegionPage) else 0
    text, keyboard = await region_screen(
        catalog,
        user,
        language_code=callback.from_user.language_code,
        page=page,
        locale=i18n.current_locale,
    )
    await show(callback, text, keyboard)


async def region_pick(
    callback: CallbackQuery,
    callback_data: RegionPick,
    catalog: CatalogService,
    users: UserService,
    user: User,
    i18n: I18n,
) -> None:
    if callback_data.region not in await catalog.regions():
        await callback.answer(_("We don't sell cards for that region any more."))
        return
    await users.set_region(user.id, callback_data.region)
    updated = await users.find_user(user.id) or user
    text, keyboard = home_screen(updated, i18n.current_locale)
    notice = _("Region set: {region}").format(
        region=region_name(callback_data.region, i18n.current_locale)
    )
    await show(callback, text, keyboard, notice=notice)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(region_command, Command("region"))
    router.callback_query.register(region_page, Menu.filter(F.action == MenuAction.REGION))
    router.callback_query.register(region_page, RegionPage.filter())
    router.callback_query.register(region_pick, RegionPick.filter())
    return router
