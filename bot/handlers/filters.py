"""Routing filters as coroutines.

aiogram calls a filter that is not a coroutine (a magic `F.…` filter included) through
`asyncio.to_thread`: a thread hop for a comparison, on every update that reaches it
(issue 11 counted 8 per purchase). These say the same as the magic filters they replace,
on the event loop."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message


async def private_message(message: Message) -> bool:
    """`F.chat.type == ChatType.PRIVATE`."""
    return message.chat.type == ChatType.PRIVATE


async def private_callback(callback: CallbackQuery) -> bool:
    """`F.message.chat.type == ChatType.PRIVATE`: a button under a message in a private
    chat (a button of an inline message, which has no chat here, is not)."""
    return callback.message is not None and callback.message.chat.type == ChatType.PRIVATE


async def successful_payment(message: Message) -> bool:
    """`F.successful_payment`."""
    return message.successful_payment is not None


async def has_text(message: Message) -> bool:
    """`F.text`: a message with text (not empty)."""
    return bool(message.text)
