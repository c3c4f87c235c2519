"""The web chat in Debian's Chromium: a test user talks to a real aiogram bot via the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiogram.types import User
from playwright.async_api import Browser, Page, expect

from sandbox.telegram import RunningTelegramSandbox
from tests.e2e.web_chat.shop_bot import GIFT_CODE, PRICE_STARS, PROMO_CODE, SOLD_OUT
from tests.support.web_chat import create_user, send

pytestmark = pytest.mark.browser


async def start_and_press(page: Page) -> None:
    await send(page, "/start")
    await expect(page.locator(".from-user .text")).to_have_text("/start")
    reply = page.locator(".from-bot").filter(has_text="A gift is waiting")
    await expect(reply.locator("strong")).to_have_text("Ann")
    await reply.get_by_role("button", name="Hidden text, press to reveal").click()
    await expect(reply.locator(".spoiler")).to_have_class("spoiler revealed")
    shop = reply.get_by_role("link", name="Shop")
    await expect(shop).to_have_attribute("href", "https://example.com/shop")
    await reply.get_by_role("button", name="Copy promo").click()
    await expect(page.locator(".toast").filter(has_text="Copied")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == PROMO_CODE

    await reply.get_by_role("button", name="Rare gift").click()
    alert = page.get_by_role("dialog", name="Message from the bot")
    await expect(alert).to_contain_text(SOLD_OUT)
    await alert.get_by_role("button", name="OK").click()
    await expect(alert).to_be_hidden()

    message_id = await reply.get_attribute("data-message-id")
    await reply.get_by_role("button", name="Open gift").click()
    await expect(page.locator(".toast").filter(has_text="Gift opened")).to_be_visible()
    # Edited in place: the same row, new text, no keyboard, no second bot message.
    edited = page.locator(f'.row[data-message-id="{message_id}"]')
    await expect(edited.locator(".text")).to_have_text(f"Your code: {GIFT_CODE}. Enjoy!")
    await expect(edited.locator(".inline-code")).to_have_text(GIFT_CODE)
    await expect(edited.locator(".edited")).to_be_visible()
    await expect(edited.locator(".keyboard")).to_have_count(0)
    await expect(page.locator(".from-bot")).to_have_count(1)


async def buy_and_download(page: Page) -> None:
    await send(page, "/buy")
    invoice = page.locator(".from-bot").filter(has=page.locator(".invoice"))
    await expect(invoice.locator(".invoice-title")).to_have_text("Gift card")
    # The bot deleted the command before it sent the invoice.
    await expect(page.locator(".from-user")).to_have_count(1)
    await expect(invoice.locator(".invoice-price")).to_have_text(f"⭐ {PRICE_STARS}")
    # The sandbox draws Telegram's own Pay button on an invoice sent without a keyboard.
    await invoice.get_by_role("button", name=re.compile(rf"^Pay ⭐\S* ?{PRICE_STARS}$")).click()
    await expect(invoice.locator(".invoice-status")).to_have_text("Paid")
    await expect(page.locator(".service-pill")).to_have_text(f"You paid ⭐ {PRICE_STARS}")

    download = page.get_by_role("link", name="Download codes.txt")
    await expect(download).to_have_attribute("href", re.compile(r"/sandbox/files/[^/]+$"))
    response = await page.request.get(await download.get_attribute("href") or "")
    assert response.ok
    assert await response.text() == f"{GIFT_CODE}\n"
    await expect(download.locator("xpath=ancestor::article")).to_contain_text("Your codes")


async def reload_keeps_the_payment(page: Page) -> None:
    """The sandbox's transcript says the invoice was paid: a reload must not offer Pay again."""
    await page.reload()
    await expect(page.locator("#chat-status")).to_have_attribute("data-state", "live")
    invoice = page.locator(".from-bot").filter(has=page.locator(".invoice"))
    await expect(invoice.locator(".invoice-status")).to_have_text("Paid")
    paid = invoice.get_by_role("button", name="Paid ✓")
    await expect(paid).to_be_disabled()
    await expect(invoice.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)


async def test_user_chats_with_the_bot_in_the_browser(
    browser: Browser, sandbox: RunningTelegramSandbox, shop_bot: User, tmp_path: Path
) -> None:
    context = await browser.new_context(
        base_url=sandbox.url, viewport={"width": 1100, "height": 820}, reduced_motion="reduce"
    )
    context.set_default_timeout(10_000)
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=sandbox.url)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto("/")
    await expect(page.locator("#chat-title")).to_have_text(shop_bot.first_name)

    await create_user(page)
    await start_and_press(page)
    await buy_and_download(page)
    await reload_keeps_the_payment(page)

    screenshot = tmp_path / "web_chat.png"
    await page.screenshot(path=str(screenshot))
    print(f"web chat screenshot: {screenshot}")
    await context.close()
    assert errors == []
