"""The per-user token bucket, with a hand-driven clock."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

from aiogram.types import CallbackQuery, Chat, Message, SuccessfulPayment, User

from bot.middlewares.throttling import WARN_INTERVAL_SECONDS, ThrottlingMiddleware
from tests.unit.bot.harness import NOW


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock) -> ThrottlingMiddleware:
    return ThrottlingMiddleware(
        2.0, burst=3, locales=("en", "ru"), default_locale="en", monotonic=clock
    )


def user(user_id: int = 1, language: str = "en") -> User:
    return User(id=user_id, is_bot=False, first_name="A", language_code=language)


def message(**extra: Any) -> Message:
    return Message(message_id=1, date=NOW, chat=Chat(id=1, type="private"), **extra)


async def feed(mw: ThrottlingMiddleware, event: Any, sender: User) -> bool:
    handler = AsyncMock(return_value="handled")
    result = await mw(handler, event, {"event_from_user": sender})
    return bool(result == "handled")


async def test_burst_then_refill_at_the_rate(monkeypatch: Any) -> None:
    clock = Clock()
    mw = make(clock)
    sent = AsyncMock()
    monkeypatch.setattr(Message, "answer", sent)
    passed = [await feed(mw, message(text="x"), user()) for _ in range(5)]
    assert passed == [True, True, True, False, False]
    assert sent.await_count == 1  # one warning, not one per dropped update
    assert sent.await_args is not None and "Slow down" in sent.await_args.args[0]
    clock.now += 0.5  # one token back at 2/s
    assert await feed(mw, message(text="x"), user())
    assert not await feed(mw, message(text="x"), user())
    clock.now += WARN_INTERVAL_SECONDS
    assert [await feed(mw, message(text="x"), user()) for _ in range(4)] == [True] * 3 + [False]
    assert sent.await_count == 2


async def test_users_have_separate_buckets() -> None:
    mw = make(Clock())
    for _ in range(3):
        assert await feed(mw, message(text="x"), user(1))
    assert await feed(mw, message(text="x"), user(2))


async def test_throttled_callback_is_answered_in_the_users_language(monkeypatch: Any) -> None:
    mw = make(Clock())
    answered = AsyncMock()
    monkeypatch.setattr(CallbackQuery, "answer", answered)
    query = CallbackQuery(id="1", from_user=user(language="ru"), chat_instance="c", data="x")
    results = [await feed(mw, query, user(language="ru")) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert answered.await_count == 2  # every dropped callback is answered (spinner stops)
    assert answered.await_args is not None and "помедленнее" in answered.await_args.args[0]


async def test_successful_payment_is_never_dropped() -> None:
    mw = make(Clock())
    for _ in range(3):
        await feed(mw, message(text="x"), user())
    payment = SuccessfulPayment(
        currency="XTR",
        total_amount=1,
        invoice_payload="GB1",
        telegram_payment_charge_id="c",
        provider_payment_charge_id="",
    )
    assert await feed(mw, message(successful_payment=payment), user())
