"""A sandbox per test, a real aiogram Bot pointed at it, and the control API driver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from sandbox.telegram import RunningTelegramSandbox, TelegramSandboxConfig, start_telegram_sandbox
from sandbox.telegram.driver import ChatUser, SandboxClient
from tests.support.telegram_sandbox import ALICE, make_bot


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
