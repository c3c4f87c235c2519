"""/import as an admin: a CSV document captioned `/import SKU`, the same summary as the
command line, audited, admin-only; /stock shows the held codes apart."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import GetFile, TelegramMethod
from aiogram.types import Chat, Document, File, Message, Update
from aiogram.types import User as TelegramUser

from bot.services.audit import AuditTrail
from storage.repositories import HeldCodeRepository
from tests.unit.bot.admin.console import ADMIN, CUSTOMER, Console, ConsoleSession
from tests.unit.bot.harness import NOW, TOKEN

SKU = "steam-us-20"
_ids = itertools.count(50_000)


class FileSession(ConsoleSession):
    """Telegram's getFile and file download, serving the one file the admin sent."""

    def __init__(self) -> None:
        super().__init__()
        self.file = b""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        if isinstance(method, GetFile):
            self.calls.append(method)
            return File(file_id=method.file_id, file_unique_id="u1", file_path="documents/f.csv")
        return await super().make_request(bot, method, timeout)

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield self.file


@pytest.fixture
def files(console: Console) -> FileSession:
    session = FileSession()
    console.session = session
    console.bot = Bot(TOKEN, session=session)
    return session


async def send_file(
    console: Console, files: FileSession, caption: str, content: str, *, user_id: int = ADMIN
) -> None:
    files.file = content.encode()
    message = Message(
        message_id=next(_ids),
        date=NOW,
        chat=Chat(id=user_id, type="private"),
        from_user=TelegramUser(id=user_id, is_bot=False, first_name="Ann", language_code="en"),
        caption=caption,
        document=Document(
            file_id="f1", file_unique_id="u1", file_name="codes.csv", file_size=len(content)
        ),
    )
    await console.dp.feed_update(console.bot, Update(update_id=next(_ids), message=message))


async def held(console: Console) -> int:
    async with console.storage.db.read() as conn:
        return await HeldCodeRepository(conn, console.storage.cipher).count_sellable(SKU, NOW)


async def test_import_replies_with_the_summary_and_is_audited(
    console: Console, files: FileSession
) -> None:
    await send_file(console, files, f"/import {SKU} 9.50", "code\nSECRET-1\nSECRET-2\n")
    reply = console.texts()[-1]
    assert reply == f"✅ imported 2 code(s) of {SKU} at 9.50 USD each; 2 held now"
    assert await held(console) == 2
    await send_file(console, files, f"/import {SKU}", "code\nsecret 1\nSECRET-3\n")
    assert console.texts()[-1] == (
        f"⚠️ imported 1 code(s) of {SKU}; refused 1 duplicate(s): "
        "row 2 (already held or sold); 3 held now"
    )
    entries = list(reversed(await AuditTrail(console.storage.db).recent()))
    assert [(e.action, json.loads(e.details)["args"]) for e in entries] == [
        ("import", f"{SKU} 9.50"),
        ("import", SKU),
    ]
    assert all("SECRET" not in e.details.upper() for e in entries)
    assert all("SECRET" not in text.upper() for text in console.texts())


@pytest.mark.parametrize(
    ("caption", "content", "reply"),
    [
        ("/import nope", "code\nA\n", "⛔ Nothing imported: unknown SKU &#x27;nope&#x27;"),
        (f"/import {SKU}", "pin\n1\n", "⛔ Nothing imported: missing column `code`"),
        (
            f"/import {SKU}",
            "code,expires_at\nA,2001-01-01\n",
            "⛔ Nothing imported: row 2: expired",
        ),
        (f"/import {SKU} abc", "code\nA\n", "⛔ --cost &#x27;abc&#x27;"),
        ("/import", "code\nA\n", "Usage: send the CSV"),
    ],
)
async def test_a_bad_import_changes_nothing(
    console: Console, files: FileSession, caption: str, content: str, reply: str
) -> None:
    await send_file(console, files, caption, content)
    assert console.texts()[-1].startswith(reply)
    assert await held(console) == 0


async def test_import_without_a_document_shows_the_usage(console: Console) -> None:
    await console.send(f"/import {SKU}", user_id=ADMIN)
    assert console.texts()[-1].startswith("Usage: send the CSV")


async def test_a_customer_cannot_import(console: Console, files: FileSession) -> None:
    await send_file(console, files, f"/import {SKU}", "code\nA\n", user_id=CUSTOMER)
    assert await held(console) == 0
    assert not files.of(GetFile)


async def test_stock_shows_held_codes_apart(console: Console, files: FileSession) -> None:
    await send_file(console, files, f"/import {SKU}", "code\nA\nB\n")
    console.scripted.stock = {SKU: ("out_of_stock", 0)}
    await console.send(f"/stock {SKU}", user_id=ADMIN)
    line = console.last_screen()[0].splitlines()[1]
    assert SKU in line and "in stock, 2 available (2 held)" in line
