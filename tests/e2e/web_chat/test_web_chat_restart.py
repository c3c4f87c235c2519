"""The web chat when the sandbox or the bot is not there: it reconnects by itself after a
sandbox restart and starts the chat over; what a user writes to a bot not started yet waits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from sandbox.telegram import RunningTelegramSandbox, TelegramSandboxConfig, start_telegram_sandbox
from tests.e2e.processes import free_port
from tests.e2e.web_chat.shop_bot import TOKEN, polling_bot
from tests.support.web_chat import create_user, send

pytestmark = pytest.mark.browser


class Restartable:
    """A sandbox that can be stopped and started again on the same port, as a person would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.running: RunningTelegramSandbox | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RunningTelegramSandbox:
        self.running = await start_telegram_sandbox(TelegramSandboxConfig(), port=self.port)
        return self.running

    async def stop(self) -> None:
        if self.running is not None:
            await self.running.close()
            self.running = None


@pytest.fixture
async def restartable() -> AsyncIterator[Restartable]:
    sandbox = Restartable()
    await sandbox.start()
    try:
        yield sandbox
    finally:
        await sandbox.stop()


# Reconnecting waits out backoff (the page's, and aiogram's polling): allow for it.
RECONNECT_MS = 15_000


async def greeted(page: Page) -> None:
    await send(page, "/start")
    reply = page.locator(".from-bot").filter(has_text="A gift is waiting")
    await expect(reply).to_be_visible(timeout=RECONNECT_MS)


async def test_the_chat_reconnects_after_a_sandbox_restart(
    browser: Browser, restartable: Restartable
) -> None:
    context = await browser.new_context(base_url=restartable.url, reduced_motion="reduce")
    context.set_default_timeout(RECONNECT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    async with polling_bot(restartable.url):
        await page.goto("/")
        await create_user(page)
        await greeted(page)

        await restartable.stop()
        await expect(page.locator("#chat-status")).not_to_have_attribute("data-state", "live")
        fresh = await restartable.start()
        # No reload by hand: the page reconnects, sees a new sandbox run, creates the user
        # again and shows the new, empty chat.
        restarted = page.locator(".toast").filter(has_text="The sandbox restarted")
        await expect(restarted).to_be_visible(timeout=RECONNECT_MS)
        await expect(page.locator("#chat-status")).to_have_attribute("data-state", "live")
        await expect(page.locator("#messages .row")).to_have_count(0)
        await expect(page.locator('.user[aria-current="true"]')).to_contain_text("Ann")
        assert [u["id"] for u in fresh.sandbox.users.values()] == [4242]
        # The bot reconnects on its own schedule; what the user writes meanwhile waits for it.
        await greeted(page)
    await context.close()
    assert errors == []


async def test_a_reload_after_a_restart_shows_the_picker(
    browser: Browser, restartable: Restartable
) -> None:
    page = await browser.new_page(base_url=restartable.url)
    await page.goto("/")
    await create_user(page)
    await restartable.stop()
    await restartable.start()
    await page.reload()
    # The remembered user is gone with the old run: the page asks for one, it does not fail.
    await expect(page.locator("#user-empty")).to_be_visible()
    await expect(page.locator("#empty-state")).to_have_text(
        "Pick a test user, or create one, to start chatting with the bot."
    )
    await create_user(page)


async def test_a_message_waits_for_a_bot_that_starts_later(
    browser: Browser, sandbox: RunningTelegramSandbox
) -> None:
    """The page names the bot (`?bot=`) before the bot ever connected: /start is queued for
    it, and answered once the bot starts polling, as Telegram does for an offline bot."""
    bot_id = TOKEN.split(":")[0]
    page = await browser.new_page(base_url=sandbox.url)
    await page.goto(f"/?bot={bot_id}")
    await create_user(page)
    await send(page, "/start")
    await expect(page.locator(".from-user .text")).to_have_text("/start")
    await expect(page.locator(".toast").filter(has_text="Not sent")).to_have_count(0)
    async with polling_bot(sandbox.url):
        reply = page.locator(".from-bot").filter(has_text="A gift is waiting")
        await expect(reply).to_be_visible(timeout=RECONNECT_MS)
