"""Keyboards of /orders: the paged list and one order's details."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.keyboards.callbacks import Menu, MenuAction, OrderOpen, OrdersPage
from bot.keyboards.common import back_button, nav_row
from bot.rendering.formatting import format_money
from bot.services.order_queries import OrderPage


def orders_keyboard(page: OrderPage, *, locale: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=f"{order.id} · {format_money(order.total_price, order.currency, locale)}",
                callback_data=OrderOpen(order_id=order.id, page=page.page).pack(),
            )
        ]
        for order in page.orders
    ]
    nav = nav_row(page.page, page.pages, lambda p: OrdersPage(page=p), locale)
    if nav:
        rows.append(nav)
    rows.append([back_button(Menu(action=MenuAction.HOME), locale)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def order_keyboard(page: int, *, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[back_button(OrdersPage(page=page), locale)]])
