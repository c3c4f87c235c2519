"""Helpers every feature router uses: in-place screens, stale buttons, the home screen."""

from __future__ import annotations

import logging
from html import escape

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.i18n import translator
from bot.keyboards.menu import home_keyboard
from bot.services.regions import flag, region_name
from storage.models import User

log = logging.getLogger(__name__)


async def show(
    callback: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    notice: str | None = None,
) -> None:
    """Edit the screen the button was on; a new message if that one is out of reach."""
    message = callback.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            if "message is not modified" not in exc.message:
                # e.g. "message can't be edited": the screen moves to a new message
                log.info("screen not edited (%s); sending it anew", exc.message)
                await message.answer(text, reply_markup=markup)
    elif callback.bot is not None:
        await callback.bot.send_message(callback.from_user.id, text, reply_markup=markup)
    await callback.answer(notice)


async def stale(callback: CallbackQuery) -> None:
    """The polite answer to a button that no longer means anything; nothing changes."""
    await callback.answer(_("This button is out of date. Please open the menu again: /start"))


def home_text(user: User, locale: str) -> str:
    _ = translator(locale).gettext
    lines = [
        "👋 <b>" + escape(_("Hi, {name}!").format(name=user.first_name)) + "</b>",
        escape(_("Gift cards and game codes for Telegram Stars, delivered right here.")),
    ]
    if user.region:
        where = f"{flag(user.region)} {region_name(user.region, locale)}"
        lines += ["", escape(_("Your region: {region}").format(region=where))]
    return "\n".join(lines)


def home_screen(user: User, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    return home_text(user, locale), home_keyboard(user.region, locale)


def payment_received(order_id: str, *, topup: bool = False) -> str:
    """What a customer reads once their payment (Stars or store credit) is stored."""
    text = (
        _("Payment received, order {order_id}: topping up the player's account.")
        if topup
        else _("Payment received, order {order_id}: preparing your codes.")
    )
    return "✅ " + escape(text.format(order_id=order_id))
