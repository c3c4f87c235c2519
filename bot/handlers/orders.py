"""/orders: the customer's orders, newest first; one order's details and codes again."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import show
from bot.keyboards.callbacks import Menu, MenuAction, OrderOpen, OrdersPage
from bot.keyboards.orders import order_keyboard, orders_keyboard
from bot.rendering import render_delivery
from bot.rendering.screens import order_details, order_list
from bot.services.order_queries import OrderQueries
from storage.models import User


async def orders_command(message: Message, orders: OrderQueries, user: User, i18n: I18n) -> None:
    page = await orders.page_for_user(user.id, 0)
    locale = i18n.current_locale
    await message.answer(
        order_list(page, locale=locale), reply_markup=orders_keyboard(page, locale=locale)
    )


async def orders_page(
    callback: CallbackQuery,
    callback_data: Menu | OrdersPage,
    orders: OrderQueries,
    user: User,
    i18n: I18n,
) -> None:
    number = callback_data.page if isinstance(callback_data, OrdersPage) else 0
    page = await orders.page_for_user(user.id, number)
    locale = i18n.current_locale
    await show(callback, order_list(page, locale=locale), orders_keyboard(page, locale=locale))


async def order_open(
    callback: CallbackQuery,
    callback_data: OrderOpen,
    orders: OrderQueries,
    user: User,
    i18n: I18n,
) -> None:
    details = await orders.details_for_user(user.id, callback_data.order_id)
    if details is None:
        await callback.answer(_("We could not find that order."))
        return
    locale = i18n.current_locale
    keyboard = order_keyboard(callback_data.page, locale=locale)
    await show(callback, order_details(details, locale=locale), keyboard)
    if callback.bot is None:
        return
    # Codes go to the owner only: details_for_user returned None for anyone else.
    for part in render_delivery(details, locale=locale):
        await callback.bot.send_message(user.id, part.text, reply_markup=part.reply_markup)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(orders_command, Command("orders"))
    router.callback_query.register(orders_page, Menu.filter(F.action == MenuAction.ORDERS))
    router.callback_query.register(orders_page, OrdersPage.filter())
    router.callback_query.register(order_open, OrderOpen.filter())
    return router
