"""Keyboards of checkout: the confirm button of a purchase paid from store credit."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translator
from bot.keyboards.callbacks import PayWithCredit


def credit_confirm_keyboard(order_id: str, *, locale: str) -> InlineKeyboardMarkup:
    text = "✅ " + translator(locale).gettext("Pay with store credit")
    button = InlineKeyboardButton(text=text, callback_data=PayWithCredit(order_id=order_id).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])
