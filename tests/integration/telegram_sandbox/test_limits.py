"""Flood control and injected faults, as an aiogram bot experiences them."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError

from sandbox.telegram.driver import ChatUser, SandboxClient
from tests.support.telegram_sandbox import ALICE


async def test_per_chat_flood_limit(bot: Bot, alice: ChatUser, client: SandboxClient) -> None:
    await client.set_config(flood_limit=True, per_chat_limit={"rate": 0.5, "burst": 3})
    for i in range(3):
        await bot.send_message(ALICE, f"burst {i}")
    with pytest.raises(TelegramRetryAfter) as flooded:
        await bot.send_message(ALICE, "one too many")
    assert flooded.value.retry_after == 2
    assert "Too Many Requests: retry after 2" in flooded.value.message
    # Another chat has its own budget.
    await client.create_user(1002, "Bob")
    await bot.send_message(1002, "fine")


async def test_global_flood_limit(bot: Bot, alice: ChatUser, client: SandboxClient) -> None:
    # A slow refill: on a busy machine the three sends may take longer than 1/30 s.
    await client.set_config(flood_limit=True, global_limit={"rate": 1, "burst": 2})
    await client.create_user(1002, "Bob")
    await bot.send_message(ALICE, "a")
    await bot.send_message(1002, "b")
    with pytest.raises(TelegramRetryAfter) as flooded:
        await bot.send_message(1002, "c")
    assert flooded.value.retry_after == 1


async def test_flood_limit_switches_off(bot: Bot, alice: ChatUser, client: SandboxClient) -> None:
    config = await client.set_config(flood_limit=True, per_chat_limit={"rate": 1, "burst": 1})
    assert config["flood_limit"] is True
    await bot.send_message(ALICE, "a")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ALICE, "b")
    await client.set_config(flood_limit=False)
    for i in range(5):
        await bot.send_message(ALICE, f"unlimited {i}")


async def test_injected_faults_fail_the_next_calls(
    bot: Bot, alice: ChatUser, client: SandboxClient
) -> None:
    await client.inject_fault("sendMessage", count=2, status=500)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Internal Server Error"):
            await bot.send_message(ALICE, "x")
    assert (await bot.send_message(ALICE, "through")).text == "through"
    await client.inject_fault("getMe", status=429)
    with pytest.raises(TelegramRetryAfter) as limited:
        await bot.get_me()
    assert limited.value.retry_after == 1
    await client.inject_fault("sendMessage", status=502, description="Bad Gateway: upstream")
    with pytest.raises(TelegramServerError, match="Bad Gateway: upstream"):
        await bot.send_message(ALICE, "x")
    assert [m["text"] for m in await alice.chat()] == ["through"]
