"""A sandbox per test, a real aiogram Bot pointed at it, and the control API driver."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.sandbox import RunningTelegramSandbox, TelegramSandboxConfig, start_telegram_sandbox
from bot.sandbox.driver import ChatUser, SandboxClient

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
ALICE = 1001


@pytest.fixture
def sandbox_config() -> TelegramSandboxConfig:
    # Flood control is tested on its own; short deadlines keep the failure paths fast.
    return TelegramSandboxConfig(
        flood_limit=False,
        payment_answer_timeout=5.0,
        callback_answer_timeout=5.0,
        webhook_retry_initial=0.05,
    )


@pytest.fixture
async def sandbox(sandbox_config: TelegramSandboxConfig) -> AsyncIterator[RunningTelegramSandbox]:
    running = await start_telegram_sandbox(sandbox_config)
    yield running
    await running.close()


def make_bot(url: str, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))


@pytest.fixture
async def bot(sandbox: RunningTelegramSandbox) -> AsyncIterator[Bot]:
    tg = make_bot(sandbox.url)
    yield tg
    await tg.session.close()


@pytest.fixture
async def client(sandbox: RunningTelegramSandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as sandbox_client:
        yield sandbox_client


@pytest.fixture
async def alice(client: SandboxClient, bot: Bot) -> ChatUser:
    await bot.get_me()  # the bot's first call registers it with the sandbox
    return await client.create_user(ALICE, "Alice", language_code="en")


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
