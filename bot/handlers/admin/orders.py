"""/orders [status] and /order <id>: any order, for operators; codes masked."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import show
from bot.keyboards.admin import (
    AdminOrderOpen,
    AdminOrdersPage,
    order_keyboard,
    orders_keyboard,
)
from bot.rendering.admin_orders import order_text, orders_text
from bot.services.admin_orders import AdminOrders
from bot.settings import BotSettings
from storage.models import OrderStatus

STATUSES = ", ".join(status.value for status in OrderStatus)


def parse_status(text: str | None) -> OrderStatus | None:
    """'' → every paid order; a status name → that status; ValueError for anything else."""
    text = (text or "").strip().lower()
    return OrderStatus(text) if text else None


async def send_orders(
    bot: Bot, chat_id: int, admin_orders: AdminOrders, status: OrderStatus | None
) -> str:
    page = await admin_orders.page(status, 0)
    keyboard = orders_keyboard([o.id for o in page.orders], status, 0, page.pages)
    await bot.send_message(chat_id, orders_text(page), reply_markup=keyboard)
    return f"{page.total} orders"


async def send_order(
    bot: Bot, chat_id: int, admin_orders: AdminOrders, order_id: str, settings: BotSettings
) -> str:
    details = await admin_orders.details(order_id.strip().upper())
    if details is None:
        await bot.send_message(chat_id, "No such order. Usage: /order &lt;id&gt;")
        return "not found"
    await bot.send_message(
        chat_id,
        order_text(details, settings.star_usd_rate),
        reply_markup=order_keyboard(details.order.id, details.order.status),
    )
    return details.order.status.value


async def orders_command(
    message: Message, command: CommandObject, bot: Bot, admin_orders: AdminOrders
) -> str:
    try:
        status = parse_status(command.args)
    except ValueError:
        await message.answer(f"Unknown status. One of: {STATUSES}")
        return "bad status"
    return await send_orders(bot, message.chat.id, admin_orders, status)


async def orders_page(
    callback: CallbackQuery, callback_data: AdminOrdersPage, admin_orders: AdminOrders
) -> str:
    status = parse_status(callback_data.status)  # the pattern admits no other text
    page = await admin_orders.page(status, callback_data.page)
    keyboard = orders_keyboard([o.id for o in page.orders], status, page.page, page.pages)
    await show(callback, orders_text(page), keyboard)
    return f"page {page.page}"


async def order_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    admin_orders: AdminOrders,
    settings: BotSettings,
) -> str:
    if not command.args:
        await message.answer("Usage: /order &lt;id&gt;")
        return "usage"
    return await send_order(bot, message.chat.id, admin_orders, command.args, settings)


async def order_open(
    callback: CallbackQuery,
    callback_data: AdminOrderOpen,
    bot: Bot,
    admin_orders: AdminOrders,
    settings: BotSettings,
) -> str:
    await callback.answer()
    return await send_order(
        bot, callback.from_user.id, admin_orders, callback_data.order_id, settings
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(orders_command, Command("orders"))
    router.message.register(order_command, Command("order"))
    router.callback_query.register(orders_page, AdminOrdersPage.filter())
    router.callback_query.register(order_open, AdminOrderOpen.filter())
    return router
