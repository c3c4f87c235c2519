"""Fixtures for the browser test: Debian's Chromium, the Telegram sandbox and a polling bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.types import User
from playwright.async_api import Browser, async_playwright

from sandbox.telegram import RunningTelegramSandbox, TelegramSandboxConfig, start_telegram_sandbox
from tests.e2e.web_chat.shop_bot import polling_bot

CHROMIUM = Path("/usr/bin/chromium")
# Only ever Debian's Chromium: `playwright install` downloads browsers, which is not wanted here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package to run this test"
        # CI installs Chromium, so there a missing browser is a failure, never a quiet skip.
        if os.environ.get("GIFTBOT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningTelegramSandbox]:
    running = await start_telegram_sandbox(TelegramSandboxConfig(), host="127.0.0.1", port=0)
    yield running
    await running.close()


@pytest.fixture
async def shop_bot(sandbox: RunningTelegramSandbox) -> AsyncIterator[User]:
    """The polling bot's own User, as getMe returns it."""
    async with polling_bot(sandbox.url) as bot:
        yield await bot.me()
