"""/language: English or Russian, remembered per customer."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import home_screen, show
from bot.i18n import translator
from bot.keyboards.callbacks import LanguagePick, Menu, MenuAction
from bot.keyboards.menu import LANGUAGE_NAMES, languages_keyboard
from bot.services.users import UserService
from storage.models import User


def _language_text() -> str:
    return "🌐 <b>" + escape(_("Choose your language")) + "</b>"


async def language_command(message: Message, i18n: I18n) -> None:
    keyboard = languages_keyboard(i18n.available_locales, i18n.current_locale)
    await message.answer(_language_text(), reply_markup=keyboard)


async def language_menu(callback: CallbackQuery, i18n: I18n) -> None:
    keyboard = languages_keyboard(i18n.available_locales, i18n.current_locale)
    await show(callback, _language_text(), keyboard)


async def language_pick(
    callback: CallbackQuery,
    callback_data: LanguagePick,
    users: UserService,
    user: User,
    i18n: I18n,
) -> None:
    code = callback_data.code
    if code not in i18n.available_locales:
        await callback.answer(_("That language is not available."))
        return
    await users.set_language(user.id, code)
    text, keyboard = home_screen(user, code)
    notice = (
        translator(code)
        .gettext("Language: {language}")
        .format(language=LANGUAGE_NAMES.get(code, code))
    )
    await show(callback, text, keyboard, notice=notice)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_menu, Menu.filter(F.action == MenuAction.LANGUAGE))
    router.callback_query.register(language_pick, LanguagePick.filter())
    return router
