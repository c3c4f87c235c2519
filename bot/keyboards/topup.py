"""Buttons of the top-up steps. The player id itself never rides in callback data: it
lives in the chat's FSM state until the quote stores it on the order."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.i18n import translator
from bot.keyboards.callbacks import MAX_SKU_BYTES


class TopupStart(CallbackData, prefix="tu"):
    """The card's "Top up" button: ask for the player id of this SKU."""

    sku: str = Field(min_length=1, max_length=MAX_SKU_BYTES)


class TopupAction(StrEnum):
    CONFIRM = "ok"  # the name shown is the right player: quote
    CHANGE = "change"  # another player id
    CANCEL = "cancel"


class TopupStep(CallbackData, prefix="ts"):
    action: TopupAction


def topup_start_button(sku: str, locale: str) -> InlineKeyboardButton:
    _ = translator(locale).gettext
    return InlineKeyboardButton(text="🎮 " + _("Top up"), callback_data=TopupStart(sku=sku).pack())


def cancel_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(TopupAction.CANCEL, locale)]])


def confirm_keyboard(locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(TopupAction.CONFIRM, locale), _button(TopupAction.CHANGE, locale)],
            [_button(TopupAction.CANCEL, locale)],
        ]
    )


def _button(action: TopupAction, locale: str) -> InlineKeyboardButton:
    _ = translator(locale).gettext
    texts = {
        TopupAction.CONFIRM: "✅ " + _("Confirm"),
        TopupAction.CHANGE: "✏️ " + _("Change"),
        TopupAction.CANCEL: "✖️ " + _("Cancel"),
    }
    return InlineKeyboardButton(text=texts[action], callback_data=TopupStep(action=action).pack())
