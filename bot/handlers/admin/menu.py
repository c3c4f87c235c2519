"""/admin: the console's menu; each button runs its command or says how to use it."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.handlers.admin.orders import send_orders
from bot.handlers.admin.reports import send_export, send_stats
from bot.handlers.admin.supply import send_balance, send_stock, send_sync
from bot.keyboards.admin import AdminAction, AdminMenu, admin_menu_keyboard
from bot.rendering.admin_supply import MENU
from bot.services.admin_orders import AdminOrders
from bot.services.admin_supply import SupplyService
from bot.services.reconciliation import Reconciler
from bot.services.stats import StatsService
from storage.models import OrderStatus

USAGE = {
    AdminAction.REFUND: "Send /refund &lt;order id&gt;; you confirm with a button.",
    AdminAction.RESOLVE: "Send /resolve &lt;order id&gt; for an order that needs attention.",
    AdminAction.CREDIT: "Send /credit &lt;user id&gt; &lt;±stars&gt; &lt;reason&gt;.",
}


async def admin_command(message: Message) -> str:
    await message.answer(MENU, reply_markup=admin_menu_keyboard())
    return "menu"


async def menu_button(
    callback: CallbackQuery,
    callback_data: AdminMenu,
    bot: Bot,
    supply: SupplyService,
    admin_orders: AdminOrders,
    stats: StatsService,
    reconciler: Reconciler,
) -> str:
    await callback.answer()
    chat_id, action = callback.from_user.id, callback_data.action
    if action is AdminAction.BALANCE:
        return await send_balance(bot, chat_id, supply)
    if action is AdminAction.STOCK:
        return await send_stock(bot, chat_id, supply, "")
    if action is AdminAction.SYNC:
        return await send_sync(bot, chat_id, supply)
    if action is AdminAction.ORDERS:
        return await send_orders(bot, chat_id, admin_orders, None)
    if action is AdminAction.ATTENTION:
        return await send_orders(bot, chat_id, admin_orders, OrderStatus.NEEDS_ATTENTION)
    if action is AdminAction.STATS:
        return await send_stats(bot, chat_id, stats, "today")
    if action is AdminAction.EXPORT:
        return await send_export(bot, chat_id, reconciler, None, None)
    await bot.send_message(chat_id, USAGE[action])
    return "usage"


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(admin_command, Command("admin"))
    router.callback_query.register(menu_button, AdminMenu.filter())
    return router
