"""/start and the home screen."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.handlers.common import home_screen, home_text, show
from bot.handlers.region import region_screen
from bot.keyboards.callbacks import Menu, MenuAction
from bot.services.catalog import CatalogService
from storage.models import User


async def start(
    message: Message, catalog: CatalogService, user: User, i18n: I18n, state: FSMContext
) -> None:
    await state.clear()
    locale = i18n.current_locale
    if user.region is None:
        # First visit: greet, then ask for the region before anything else.
        language = message.from_user.language_code if message.from_user else None
        text, keyboard = await region_screen(
            catalog, user, language_code=language, page=0, locale=locale
        )
        await message.answer(home_text(user, locale) + "\n\n" + text, reply_markup=keyboard)
        return
    text, keyboard = home_screen(user, locale)
    await message.answer(text, reply_markup=keyboard)


async def home(callback: CallbackQuery, user: User, i18n: I18n) -> None:
    text, keyboard = home_screen(user, i18n.current_locale)
    await show(callback, text, keyboard)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.callback_query.register(home, Menu.filter(F.action == MenuAction.HOME))
    return router
