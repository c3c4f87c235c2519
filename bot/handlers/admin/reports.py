"""/stats [today|7d|30d] and /export [from] [to] (CSV and JSON documents)."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.rendering.admin_reports import export_caption, stats_text
from bot.services.export_format import to_csv, to_json
from bot.services.export_period import export_period
from bot.services.reconciliation import Reconciler
from bot.services.star_ledger import BotStarLedger
from bot.services.stats import PERIODS, StatsService
from storage.clock import utcnow
from supplier.errors import SupplierError

log = logging.getLogger(__name__)

EXPORT_USAGE = "Usage: /export [from] [to], dates like 2026-11-01 (to included; default: 7 days)"


async def send_stats(bot: Bot, chat_id: int, stats: StatsService, period: str) -> str:
    try:
        result = await stats.compute(period)
    except ValueError:
        await bot.send_message(chat_id, f"Usage: /stats [{'|'.join(PERIODS)}]")
        return "usage"
    await bot.send_message(chat_id, stats_text(result))
    return f"{period}: {result.orders} orders"


async def send_export(
    bot: Bot, chat_id: int, reconciler: Reconciler, start: str | None, end: str | None
) -> str:
    try:
        begin, stop = export_period(start, end, today=utcnow().date())
    except ValueError as exc:
        await bot.send_message(chat_id, f"⛔ {exc}\n{EXPORT_USAGE}")
        return f"refused: {exc}"
    try:
        rec = await reconciler.build(begin, stop, BotStarLedger(bot))
    except SupplierError as exc:
        await bot.send_message(chat_id, f"⚠️ The supplier's ledger is unavailable: {exc}")
        return f"supplier error: {type(exc).__name__}"
    name = f"reconciliation-{begin:%Y%m%d}-{stop:%Y%m%d}"
    await bot.send_document(
        chat_id,
        BufferedInputFile(to_csv(rec).encode(), f"{name}.csv"),
        caption=export_caption(rec),
    )
    await bot.send_document(chat_id, BufferedInputFile(to_json(rec).encode(), f"{name}.json"))
    return f"{len(rec.orders)} orders, {len(rec.discrepancies)} discrepancies"


async def stats_command(
    message: Message, command: CommandObject, bot: Bot, stats: StatsService
) -> str:
    return await send_stats(bot, message.chat.id, stats, (command.args or "today").strip())


async def export_command(
    message: Message, command: CommandObject, bot: Bot, reconciler: Reconciler
) -> str:
    args = (command.args or "").split()
    if len(args) > 2:
        await message.answer(EXPORT_USAGE)
        return "usage"
    start, end = [*args, None, None][:2]
    return await send_export(bot, message.chat.id, reconciler, start, end)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(stats_command, Command("stats"))
    router.message.register(export_command, Command("export"))
    return router
