"""/orders: the customer's orders, newest first, with their store credit; one order's
details and codes again; the store credit's recent movements."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import show
from bot.keyboards.callbacks import CreditHistory, Menu, MenuAction, OrderOpen, OrdersPage
from bot.keyboards.orders import credit_keyboard, order_keyboard, orders_keyboard
from bot.rendering import render_delivery
from bot.rendering.credit import credit_line, credit_screen
from bot.rendering.screens import order_details, order_list
from bot.services.order_queries import OrderQueries
from storage.models import User


async def _orders_screen(
    orders: OrderQueries, user: User, number: int, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    page = await orders.page_for_user(user.id, number)
    credit = await orders.credit_for_user(user.id)
    text = order_list(page, locale=locale)
    if credit.any:
        text += "\n\n" + credit_line(credit, locale=locale)
    return text, orders_keyboard(page, locale=locale, credit=credit.any)


async def orders_command(message: Message, orders: OrderQueries, user: User, i18n: I18n) -> None:
    text, keyboard = await _orders_screen(orders, user, 0, i18n.current_locale)
    await message.answer(text, reply_markup=keyboard)


async def orders_page(
    callback: CallbackQuery,
    callback_data: Menu | OrdersPage,
    orders: OrderQueries,
    user: User,
    i18n: I18n,
) -> None:
    number = callback_data.page if isinstance(callback_data, OrdersPage) else 0
    text, keyboard = await _orders_screen(orders, user, number, i18n.current_locale)
    await show(callback, text, keyboard)


async def credit_history(
    callback: CallbackQuery,
    callback_data: CreditHistory,
    orders: OrderQueries,
    user: User,
    i18n: I18n,
) -> None:
    credit = await orders.credit_for_user(user.id)
    locale = i18n.current_locale
    await show(
        callback,
        credit_screen(credit, locale=locale),
        credit_keyboard(callback_data.page, locale=locale),
    )


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
    router.callback_query.register(credit_history, CreditHistory.filter())
    return router
