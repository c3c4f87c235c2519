"""Helpers for tests against the Telegram sandbox: a real aiogram Bot pointed at it, polling,
and waiting on sandbox state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox.telegram import RunningTelegramSandbox

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
ALICE = 1001


def make_bot(url: str, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    """For sandbox state with no event to await: re-check until true or the deadline."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the sandbox exposes no event for this
            await asyncio.sleep(0.005)


def poll_waiting(sandbox: RunningTelegramSandbox, bot: Bot) -> Callable[[], bool]:
    """True once a getUpdates call of `bot` is parked in the sandbox."""
    return lambda: sandbox.sandbox.bots[bot.id].poller is not None


@contextlib.asynccontextmanager
async def polling(dispatcher: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """The dispatcher long-polling the sandbox for the duration of the block."""
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        yield
    finally:
        await dispatcher.stop_polling()
        await task
