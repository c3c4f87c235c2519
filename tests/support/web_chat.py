"""Steps in the web chat page, shared by the browser tests."""

from __future__ import annotations

from playwright.async_api import Page, expect


async def create_user(page: Page) -> None:
    await page.get_by_label("User id").fill("4242")
    await page.get_by_label("First name").fill("Ann")
    await page.get_by_label("Language").select_option("en")
    await page.get_by_role("button", name="Create user").click()
    await expect(page.locator('.user[aria-current="true"]')).to_contain_text("Ann")
    await expect(page.locator("#chat-status")).to_have_attribute("data-state", "live")


async def send(page: Page, text: str) -> None:
    message_box = page.get_by_label("Message", exact=True)
    await message_box.fill(text)
    await message_box.press("Enter")
    await expect(message_box).to_have_value("")
