"""The error boundary: a failing update gets a short localised answer, never silence or a
traceback; the log line names the update (and the order)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerPreCheckoutQuery,
    SendMessage,
    TelegramMethod,
)

from bot.keyboards.callbacks import Menu, MenuAction
from bot.logs import ContextFilter
from tests.unit.bot.harness import Harness

FAILED_EN = "That did not work, please try again."
FAILED_RU = "Не получилось, попробуйте ещё раз."


@pytest.fixture
def broken(h: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    """Every update fails in the user middleware, as a database outage would make it."""

    async def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(h.users, "ensure_user", fail)
    return h


@pytest.mark.parametrize(("language", "text"), [("en", FAILED_EN), ("ru", FAILED_RU)])
async def test_failed_message_gets_a_short_localised_answer(
    broken: Harness, language: str, text: str
) -> None:
    await broken.send("/start", language=language)
    (reply,) = broken.session.of(SendMessage)
    assert text in reply.text and "Traceback" not in reply.text and "RuntimeError" not in reply.text


async def test_failed_press_is_always_answered(broken: Harness) -> None:
    await broken.press(Menu(action=MenuAction.CATALOG).pack(), language="ru")
    assert broken.answers() == [FAILED_RU]
    assert broken.session.of(SendMessage) == []


async def test_failed_pre_checkout_is_declined_not_left_to_time_out(broken: Harness) -> None:
    await broken.pre_checkout("ORD1", 10)
    (answer,) = broken.session.of(AnswerPreCheckoutQuery)
    assert answer.ok is False and answer.error_message == FAILED_EN


async def test_failed_payment_is_not_told_to_try_again(broken: Harness) -> None:
    # "Try again" after paying reads as "pay again"; the payment ledger recovers it.
    await broken.pay("ORD1", 10, "charge-1")
    assert broken.session.of(SendMessage) == []


async def test_log_line_names_the_update_and_the_order(
    broken: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(ContextFilter())  # as configure_logging sets up the handler
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        await broken.pre_checkout("ORD7", 10)
    (record,) = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert record.levelno == logging.ERROR and "RuntimeError" in record.getMessage()
    update_id = int(record.getMessage().split()[1])
    extra = vars(record)  # the context ContextFilter adds to every record
    assert (extra["update_id"], extra["user_id"], extra["order_id"]) == (update_id, 42, "ORD7")


async def test_flood_dropped_reply_is_one_quiet_line_and_the_press_still_answered(
    h: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def flooded(*args: object, **kwargs: object) -> None:
        raise TelegramRetryAfter(SendMessage(chat_id=42, text="x"), "Too Many Requests", 30)

    monkeypatch.setattr(h.users, "ensure_user", flooded)
    with caplog.at_level(logging.INFO):
        await h.send("/start")
        await h.press(Menu(action=MenuAction.CATALOG).pack())
    assert h.session.of(SendMessage) == [], "another message would hit the same limit"
    assert h.answers() == [FAILED_EN]
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a flood drop"


async def test_a_failure_while_telling_the_customer_does_not_escape(
    broken: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken.session.edit_error = None
    original = broken.session.make_request

    async def refuse_answers(
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        if isinstance(method, AnswerCallbackQuery):
            raise TelegramRetryAfter(method, "Too Many Requests", 3)
        return await original(bot, method, timeout)

    monkeypatch.setattr(broken.session, "make_request", refuse_answers)
    with caplog.at_level(logging.WARNING, logger="bot.handlers.errors"):
        await broken.press(Menu(action=MenuAction.CATALOG).pack())  # must not raise
    assert any("could not tell the customer" in r.getMessage() for r in caplog.records)
