"""/import: an admin sends a CSV of pre-purchased codes as a document captioned
`/import SKU [cost [currency]]`; the reply is the import's summary line (never a code)."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.services.held_import import HeldImporter, HeldImportError, parse_cost, parse_currency

log = logging.getLogger(__name__)

IMPORT_USAGE = (
    "Usage: send the CSV as a document with the caption /import SKU [cost [currency]], "
    "e.g. /import steam-us-20 9.50 USD (columns: code, pin, expires_at)"
)
# Telegram lets bots download up to 20 MB; 10 000 codes fit in far less.
MAX_FILE_BYTES = 2 * 1024 * 1024


async def import_command(
    message: Message, command: CommandObject, bot: Bot, held_import: HeldImporter
) -> str:
    args = (command.args or "").split()
    document = message.document
    if document is None or not 1 <= len(args) <= 3:
        await message.answer(escape(IMPORT_USAGE))
        return "usage"
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await message.answer(f"⛔ The file is over {MAX_FILE_BYTES // 1024 // 1024} MB.")
        return "refused: file too large"
    try:
        cost = parse_cost(args[1]) if len(args) > 1 else None
        currency = parse_currency(args[2]) if len(args) > 2 else "USD"
    except HeldImportError as exc:
        await message.answer(f"⛔ {escape(str(exc))}\n{escape(IMPORT_USAGE)}")
        return f"refused: {exc}"
    downloaded = await bot.download(document)
    data = downloaded.read() if downloaded is not None else b""
    admin = message.from_user.id if message.from_user else 0
    try:
        result = await held_import.run(
            args[0],
            data,
            cost=cost,
            currency=currency,
            batch=f"chat:{admin}:{document.file_name or document.file_unique_id}",
        )
    except HeldImportError as exc:
        await message.answer(f"⛔ Nothing imported: {escape(str(exc))}")
        return f"refused: {exc}"
    await message.answer(("⚠️ " if result.refused else "✅ ") + escape(result.summary()))
    return result.summary()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(import_command, Command("import"))
    return router
