"""Routing filters run on the event loop and say what the magic filters they replace said."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.types import CallbackQuery, Chat, Message, SuccessfulPayment, User

from bot.handlers import build_router, filters

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ANN = User(id=1, is_bot=False, first_name="Ann")


def _message(chat_type: str, **fields: Any) -> Message:
    return Message(
        message_id=1,
        date=NOW,
        chat=Chat(id=-5 if chat_type != "private" else 1, type=chat_type),
        from_user=ANN,
        **fields,
    )


async def test_private_chat_filters() -> None:
    assert await filters.private_message(_message("private"))
    assert not await filters.private_message(_message("group"))
    button = CallbackQuery(id="1", from_user=ANN, chat_instance="c", message=_message("private"))
    assert await filters.private_callback(button)
    in_group = button.model_copy(update={"message": _message("supergroup")})
    assert not await filters.private_callback(in_group)
    inline = CallbackQuery(id="2", from_user=ANN, chat_instance="c", inline_message_id="i")
    assert not await filters.private_callback(inline)


async def test_payment_and_text_filters() -> None:
    paid = SuccessfulPayment(
        currency="XTR",
        total_amount=5,
        invoice_payload="GB1",
        telegram_payment_charge_id="t",
        provider_payment_charge_id="p",
    )
    assert await filters.successful_payment(_message("group", successful_payment=paid))
    assert not await filters.successful_payment(_message("private", text="hi"))
    assert await filters.has_text(_message("private", text="hi"))
    assert not await filters.has_text(_message("private", text=""))


def _filters(router: Router) -> list[FilterObject]:
    found: list[FilterObject] = []
    for observer in router.observers.values():
        found += observer._handler.filters or []
        for handler in observer.handlers:
            found += handler.filters or []
    for child in router.sub_routers:
        found += _filters(child)
    return found


def test_no_routing_filter_needs_a_thread() -> None:
    """aiogram runs a filter that is not a coroutine through asyncio.to_thread."""
    sync = [repr(f.callback) for f in _filters(build_router()) if not f.awaitable]
    assert sync == []
