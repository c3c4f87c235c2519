"""`giftbot demo` as a newcomer uses it: open the web chat, buy a card, read the code."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.processes import GIFTBOT, free_port, wait_until_ready
from tests.support.web_chat import create_user, send

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """The one command of the README, in an empty folder; its web chat URL."""
    port, http_port = free_port(), free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HTTP_PORT": str(http_port)}
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [GIFTBOT, "demo", "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{http_port}/health", process, "giftbot demo")
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C
        assert process.wait(timeout=15) == 0, (tmp_path / "demo.log").read_text()
    assert (tmp_path / "data" / "giftbot.db").exists(), "the demo keeps its data in ./data/"


async def test_a_newcomer_buys_a_card_in_the_demo(browser: Browser, demo: str) -> None:
    page = await browser.new_page()
    await page.goto(demo)
    await create_user(page)
    await send(page, "/start")
    screen = page.locator(".from-bot").last
    await screen.get_by_role("button", name=re.compile("United States")).click()
    await screen.get_by_role("button", name=re.compile("Catalog")).click()
    await screen.get_by_role("button", name="Steam", exact=True).click()
    await screen.get_by_role("button", name=re.compile(r"\$20\.00")).click()
    await expect(screen).to_contain_text("Works only on US accounts")
    await screen.get_by_role("button", name=re.compile("Buy")).click()
    invoice = page.locator(".from-bot").filter(has=page.locator(".invoice"))
    await invoice.get_by_role("button", name=re.compile("^Pay")).click()
    await expect(invoice.locator(".invoice-status")).to_have_text("Paid")
    delivery = page.locator(".from-bot").filter(has_text="Your order")
    await expect(delivery).to_be_visible(timeout=15_000)
    await expect(delivery.get_by_role("button", name=re.compile("Copy code"))).to_be_visible()
    if shot := os.environ.get("GIFTBOT_SCREENSHOT"):  # to look at what a customer sees
        await page.screenshot(path=shot, full_page=True)
