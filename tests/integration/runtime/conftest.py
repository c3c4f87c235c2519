"""A Telegram sandbox per test and a real aiogram Bot, as the bot's runtime sets it up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from app.composition import create_bot
from bot.settings import BotSettings
from sandbox.telegram import RunningTelegramSandbox, TelegramSandboxConfig, start_telegram_sandbox

# The sandbox tests' driver fixtures, resolved against this directory's `sandbox` and `bot`.
from tests.integration.telegram_sandbox.conftest import alice, client

__all__ = ["alice", "client"]

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


@pytest.fixture
def sandbox_config() -> TelegramSandboxConfig:
    return TelegramSandboxConfig(flood_limit=False, webhook_retry_initial=0.05)


@pytest.fixture
async def sandbox(sandbox_config: TelegramSandboxConfig) -> AsyncIterator[RunningTelegramSandbox]:
    running = await start_telegram_sandbox(sandbox_config)
    yield running
    await running.close()


@pytest.fixture
def settings(sandbox: RunningTelegramSandbox) -> BotSettings:
    return BotSettings(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=sandbox.url, _env_file=None)


@pytest.fixture
async def bot(settings: BotSettings) -> AsyncIterator[Bot]:
    tg = create_bot(settings)
    yield tg
    await tg.session.close()
