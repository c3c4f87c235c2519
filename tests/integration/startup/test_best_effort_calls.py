"""`run_bot` against a Bot API server that refuses setMyCommands: a warning, then customers."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

import pytest

from app.composition import run_bot
from app.settings import AppSettings
from bot.settings import BotSettings
from sandbox.telegram import TelegramSandboxConfig, start_telegram_sandbox
from sandbox.telegram.driver import SandboxClient
from storage.settings import StorageSettings
from supplier.settings import SupplierSettings

TOKEN = "7200000001:STARTUP-best-effort-token-000000000"


def _settings(tmp_path: Path, telegram_url: str) -> AppSettings:
    return AppSettings(
        bot=BotSettings(
            BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram_url, HTTP_PORT=0, _env_file=None
        ),
        supplier=SupplierSettings(_env_file=None),  # the sandbox supplier, in-process
        storage=StorageSettings(
            DATABASE_URL=f"sqlite:///{tmp_path}/giftbot.db",
            CODES_KEY=base64.b64encode(os.urandom(32)).decode(),
            _env_file=None,
        ),
    )


async def test_the_bot_serves_customers_when_set_my_commands_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    telegram = await start_telegram_sandbox(TelegramSandboxConfig(), host="127.0.0.1", port=0)
    started = asyncio.Event()
    bot = asyncio.create_task(run_bot(_settings(tmp_path, telegram.url), started=started))
    try:
        async with SandboxClient(telegram.url) as client:
            # As a Bot API emulator without the method answers: 404 on every call of it.
            await client.inject_fault("setMyCommands", count=100, status=404)
            done, _ = await asyncio.wait(
                [bot, asyncio.create_task(started.wait())],
                timeout=60,
                return_when=asyncio.FIRST_COMPLETED,
            )
            assert bot not in done, "run_bot stopped at start-up"
            assert started.is_set()
            customer = await client.create_user(9_100_001, "Eve")
            await customer.send("/start")
            await customer.wait_for_text("Gift cards and game codes for Telegram Stars", 20)
    finally:
        bot.cancel()
        await asyncio.gather(bot, return_exceptions=True)
        await telegram.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.handlers.commands"]
    assert len(warnings) == 1 and "TelegramNotFound" in warnings[0]
