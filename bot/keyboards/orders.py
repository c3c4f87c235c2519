"""Keyboards of /orders: the paged list, one order's details, the store credit screen."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import translator
from bot.keyboards.callbacks import CreditHistory, Menu, MenuAction, OrderOpen, OrdersPage
from bot.keyboards.common import back_button, paged_list
from bot.rendering.formatting import format_money
from bot.services.order_queries import OrderPage


def orders_keyboard(page: OrderPage, *, locale: str, credit: bool = False) -> InlineKeyboardMarkup:
    """The page's orders, paging, a Store credit button when there is any, then Back."""
    buttons = [
        InlineKeyboardButton(
            text=f"{order.id} · {format_money(order.total_price, order.currency, locale)}",
            callback_data=OrderOpen(order_id=order.id, page=page.page).pack(),
        )
        for order in page.orders
    ]
    markup = paged_list(
        buttons,
        page=page.page,
        pages=page.pages,
        make=lambda p: OrdersPage(page=p),
        back=Menu(action=MenuAction.HOME),
        locale=locale,
    )
    if credit:
        text = "💳 " + translator(locale).gettext("Your store credit")
        button = InlineKeyboardButton(text=text, callback_data=CreditHistory(page=page.page).pack())
        markup.inline_keyboard.insert(len(markup.inline_keyboard) - 1, [button])
    return markup


def order_keyboard(page: int, *, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_button(OrdersPage(page=page), locale)]])


def credit_keyboard(page: int, *, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_button(OrdersPage(page=page), locale)]])
