"""Keyboards of /orders: the paged list and one order's details."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import Menu, MenuAction, OrderOpen, OrdersPage
from bot.keyboards.common import back_button, paged_list
from bot.rendering.formatting import format_money
from bot.services.order_queries import OrderPage


def orders_keyboard(page: OrderPage, *, locale: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=f"{order.id} · {format_money(order.total_price, order.currency, locale)}",
            callback_data=OrderOpen(order_id=order.id, page=page.page).pack(),
        )
        for order in page.orders
    ]
    return paged_list(
        buttons,
        page=page.page,
        pages=page.pages,
        make=lambda p: OrdersPage(page=p),
        back=Menu(action=MenuAction.HOME),
        locale=locale,
    )


def order_keyboard(page: int, *, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_button(OrdersPage(page=page), locale)]])
