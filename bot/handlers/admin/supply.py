"""/balance, /stock [text] and /sync."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import show
from bot.keyboards.admin import MAX_STOCK_QUERY_BYTES, AdminStockPage, stock_keyboard
from bot.rendering.admin_supply import balance_text, stock_text, sync_failed_text, sync_text
from bot.services.admin_supply import SupplyService
from supplier.errors import SupplierError

log = logging.getLogger(__name__)


def stock_query(text: str | None) -> str:
    """The search text as the page buttons can carry it: no ':' and at most 30 bytes."""
    query = " ".join((text or "").replace(":", " ").split())
    while len(query.encode()) > MAX_STOCK_QUERY_BYTES:
        query = query[:-1]
    return query.strip()


async def send_balance(bot: Bot, chat_id: int, supply: SupplyService) -> str:
    try:
        report = await supply.balance()
    except SupplierError as exc:
        await bot.send_message(chat_id, f"⚠️ The supplier did not answer: {type(exc).__name__}")
        return f"supplier error: {type(exc).__name__}"
    await bot.send_message(chat_id, balance_text(report))
    return f"available {report.available} {report.currency}"


async def send_stock(bot: Bot, chat_id: int, supply: SupplyService, query: str) -> str:
    report = await supply.stock(query)
    await bot.send_message(
        chat_id, stock_text(report, query, 0), reply_markup=stock_keyboard(query, 0, report.pages)
    )
    out = sum(1 for line in report.lines if line.stock.status == "out_of_stock")
    return f"{len(report.lines)} products, {out} out of stock"


async def send_sync(bot: Bot, chat_id: int, supply: SupplyService) -> str:
    try:
        result = await supply.sync()
    except SupplierError as exc:
        await bot.send_message(chat_id, sync_failed_text(type(exc).__name__))
        return f"failed: {type(exc).__name__}"
    await bot.send_message(chat_id, sync_text(result))
    return (
        f"seen {result.seen}, added {result.added}, changed {result.changed}, "
        f"deactivated {result.deactivated}"
    )


async def balance_command(message: Message, bot: Bot, supply: SupplyService) -> str:
    return await send_balance(bot, message.chat.id, supply)


async def stock_command(
    message: Message, command: CommandObject, bot: Bot, supply: SupplyService
) -> str:
    return await send_stock(bot, message.chat.id, supply, stock_query(command.args))


async def stock_page(
    callback: CallbackQuery, callback_data: AdminStockPage, supply: SupplyService
) -> str:
    # Later pages read the short stock cache: paging is not a new question to the supplier.
    report = await supply.stock(callback_data.query, fresh=False)
    page = min(callback_data.page, report.pages - 1)
    await show(
        callback,
        stock_text(report, callback_data.query, page),
        stock_keyboard(callback_data.query, page, report.pages),
    )
    return f"page {page}"


async def sync_command(message: Message, bot: Bot, supply: SupplyService) -> str:
    return await send_sync(bot, message.chat.id, supply)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(balance_command, Command("balance"))
    router.message.register(stock_command, Command("stock"))
    router.message.register(sync_command, Command("sync"))
    router.callback_query.register(stock_page, AdminStockPage.filter())
    return router
