"""Flood control on the bot's replies, against the Telegram sandbox's 429s."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter

from bot.middlewares.retry_after import (
    MAX_WAIT_SECONDS,
    RetryAfterMiddleware,
    install_flood_control,
)
from sandbox.telegram.driver import ChatUser, SandboxClient


class Seen:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def api_error(self, method: str, error: TelegramAPIError) -> None:
        self.errors.append((method, type(error).__name__))


@pytest.fixture
def seen(bot: Bot) -> Seen:
    observer = Seen()
    install_flood_control(bot, observer)
    return observer


async def flood(client: SandboxClient, method: str, retry_after: int, count: int = 1) -> None:
    """The next `count` calls of `method` get 429 with `retry_after`."""
    body = {"method": method, "count": count, "status": 429, "retry_after": retry_after}
    await client.request("POST", "/sandbox/faults", body)


async def bot_texts(alice: ChatUser) -> list[str]:
    return [m["text"] for m in await alice.chat() if m["from_bot"]]


async def test_short_retry_after_is_waited_and_the_reply_sent_once(
    bot: Bot, alice: ChatUser, client: SandboxClient, seen: Seen
) -> None:
    await flood(client, "sendMessage", 1)
    started = time.monotonic()
    sent = await bot.send_message(alice.id, "hello")
    waited = time.monotonic() - started
    assert sent.text == "hello"
    assert await bot_texts(alice) == ["hello"], "sent once, not twice"
    assert 1.0 <= waited < 1.0 + MAX_WAIT_SECONDS
    assert seen.errors == [("sendMessage", "TelegramRetryAfter")]


async def test_long_retry_after_drops_the_reply_with_one_warning(
    bot: Bot, alice: ChatUser, client: SandboxClient, seen: Seen, caplog: pytest.LogCaptureFixture
) -> None:
    await flood(client, "editMessageText", 60)
    sent = await bot.send_message(alice.id, "screen")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), pytest.raises(TelegramRetryAfter):
        await bot.edit_message_text("new screen", chat_id=alice.id, message_id=sent.message_id)
    assert time.monotonic() - started < 1.0, "no 60 s wait"
    assert await bot_texts(alice) == ["screen"]
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "editMessageText dropped" in warning.getMessage() and not warning.exc_info


async def test_a_second_429_after_the_wait_drops_the_reply(
    bot: Bot, alice: ChatUser, client: SandboxClient, seen: Seen
) -> None:
    await flood(client, "answerCallbackQuery", 1, count=2)
    with pytest.raises(TelegramRetryAfter):
        await bot.answer_callback_query("no-such-query")
    assert seen.errors == [("answerCallbackQuery", "TelegramRetryAfter")] * 2


async def test_other_calls_are_never_delayed(
    bot: Bot, alice: ChatUser, client: SandboxClient, seen: Seen
) -> None:
    await flood(client, "getStarTransactions", 1)
    started = time.monotonic()
    with pytest.raises(TelegramRetryAfter):
        await bot.get_star_transactions()
    assert time.monotonic() - started < 0.5
    assert await bot.get_star_transactions() is not None


async def test_real_per_chat_limit_replies_arrive_in_order(
    bot: Bot, alice: ChatUser, client: SandboxClient, seen: Seen
) -> None:
    # One message a second, no burst: the second reply meets a 429 and waits it out.
    await client.set_config(flood_limit=True, per_chat_limit={"rate": 1, "burst": 1})
    for text in ("first", "second", "third"):
        await bot.send_message(alice.id, text)
    assert await bot_texts(alice) == ["first", "second", "third"]
    assert ("sendMessage", "TelegramRetryAfter") in seen.errors


async def test_other_errors_are_observed_and_raised_unchanged(
    bot: Bot, alice: ChatUser, client: SandboxClient, seen: Seen
) -> None:
    await client.inject_fault("sendMessage", status=500)
    with pytest.raises(TelegramAPIError):
        await bot.send_message(alice.id, "x")
    assert seen.errors == [("sendMessage", "TelegramServerError")]


async def test_replies_told_to_wait_together_are_spaced_not_retried_at_once(
    bot: Bot, alice: ChatUser, client: SandboxClient, seen: Seen
) -> None:
    # Telegram's pace: a burst of 5, then one a second. Seven replies at once: five go, two
    # wait for their own slots (1 s and 2 s) instead of both meeting the limit again at 1 s.
    await client.set_config(flood_limit=True, per_chat_limit={"rate": 1, "burst": 5})
    texts = [f"reply {n}" for n in range(7)]
    started = time.monotonic()
    await asyncio.gather(*(bot.send_message(alice.id, text) for text in texts))
    took = time.monotonic() - started
    assert sorted(await bot_texts(alice)) == sorted(texts)
    assert 2.0 <= took < 2.0 + MAX_WAIT_SECONDS


def test_slots_past_the_bound_are_refused() -> None:
    now = [100.0]
    guard = RetryAfterMiddleware(max_wait=5.0, monotonic=lambda: now[0])
    waits = [guard._take_slot(42, 1) for _ in range(7)]
    assert waits == [1.0, 2.0, 3.0, 4.0, 5.0, None, None]
    assert guard._take_slot(43, 1) == 1.0, "another chat has its own slots"
    now[0] += 10
    assert guard._take_slot(42, 2) == 2.0, "the chat's queue drained meanwhile"
