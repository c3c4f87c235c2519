"""Last router: whatever no feature understood gets a polite answer and changes nothing."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import stale


async def unknown_button(callback: CallbackQuery) -> None:
    await stale(callback)


async def unknown_message(message: Message) -> None:
    await message.answer(escape(_("I didn't get that. Open the menu with /start or see /help.")))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(unknown_button)
    router.message.register(unknown_message)
    return router
