"""Log lines: JSON shape, the update/user/order context, aiogram's per-update lines demoted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Chat, Message, PreCheckoutQuery, Update
from aiogram.types import User as TelegramUser

from bot.keyboards.callbacks import OrderOpen
from bot.logs import ContextFilter, JsonFormatter, PerUpdateToDebug, bind_order, log_context
from bot.middlewares.log_context import LogContextMiddleware
from tests.unit.bot.harness import TOKEN, RecordingSession

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ANN = TelegramUser(id=42, is_bot=False, first_name="Ann")


Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """The JSON lines written so far, through a handler set up as `configure_logging` does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("giftbot.test")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_json_line_carries_time_level_logger_message(lines: Lines) -> None:
    logging.getLogger("giftbot.test").warning("order %s is %s", "A1", "late")
    (line,) = lines()
    assert line["level"] == "WARNING" and line["logger"] == "giftbot.test"
    assert line["message"] == "order A1 is late"
    assert datetime.fromisoformat(str(line["time"])).tzinfo is not None
    assert not {"update_id", "user_id", "order_id"} & line.keys(), "unknown ids are left out"


def test_context_and_bound_order_reach_the_line(lines: Lines) -> None:
    log = logging.getLogger("giftbot.test")
    with log_context(update_id=7, user_id=42):
        log.info("before")
        with bind_order("ORD1"):
            log.info("inside")
        log.info("after: the order stays bound for the rest of the update")
    with bind_order("ORD2"):
        log.info("background work")
    log.info("outside")
    before, inside, after, background, outside = lines()
    assert (before["update_id"], before["user_id"]) == (7, 42) and "order_id" not in before
    assert inside["order_id"] == "ORD1" and after["order_id"] == "ORD1"
    assert background["order_id"] == "ORD2" and "update_id" not in background
    assert "order_id" not in outside and "update_id" not in outside


def test_exception_is_in_the_line(lines: Lines) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("giftbot.test").exception("failed")
    (line,) = lines()
    assert "RuntimeError: boom" in str(line["exception"])


@pytest.mark.parametrize(("root_level", "shown"), [(logging.INFO, False), (logging.DEBUG, True)])
def test_aiogram_per_update_line_is_debug(root_level: int, shown: bool) -> None:
    record = logging.LogRecord(
        "aiogram.event", logging.INFO, __file__, 1, "Update id=%s is handled.", (5,), None
    )
    root = logging.getLogger()
    saved = root.level
    root.setLevel(root_level)
    try:
        assert PerUpdateToDebug().filter(record) is shown
    finally:
        root.setLevel(saved)
    assert record.levelname == "DEBUG"
    other = logging.LogRecord("aiogram.event", logging.INFO, __file__, 1, "Other", (), None)
    assert PerUpdateToDebug().filter(other) and other.levelname == "INFO"


async def feed(update: Update) -> None:
    """Feed one update to a dispatcher whose only handler logs a line."""
    dp = Dispatcher()
    dp.update.outer_middleware(LogContextMiddleware())
    log = logging.getLogger("giftbot.test")

    @dp.message()
    @dp.callback_query()
    @dp.pre_checkout_query()
    async def handler(event: object) -> None:
        log.info("handled")

    await dp.feed_update(Bot(TOKEN, session=RecordingSession()), update)
    log.info("after the update")


async def test_middleware_binds_update_user_and_named_order(
    lines: Lines,
) -> None:
    message = Message(
        message_id=1, date=NOW, chat=Chat(id=42, type="private"), from_user=ANN, text="hi"
    )
    await feed(Update(update_id=11, message=message))
    query = PreCheckoutQuery(
        id="q", from_user=ANN, currency="XTR", total_amount=5, invoice_payload="ORDPAY"
    )
    await feed(Update(update_id=12, pre_checkout_query=query))
    press = CallbackQuery(
        id="c",
        from_user=ANN,
        chat_instance="ci",
        data=OrderOpen(order_id="ORDSEEN", page=0).pack(),
    )
    await feed(Update(update_id=13, callback_query=press))
    plain, after1, paying, after2, opening, after3 = lines()
    assert (plain["update_id"], plain["user_id"]) == (11, 42) and "order_id" not in plain
    assert (paying["update_id"], paying["order_id"]) == (12, "ORDPAY")
    assert (opening["update_id"], opening["order_id"]) == (13, "ORDSEEN")
    for after in (after1, after2, after3):
        assert "update_id" not in after, "the context ends with the update"
