"""Opens the log context of an update: its id, the user, and the order when it names one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser

from bot.keyboards.callbacks import OrderOpen
from bot.logs import log_context

LOG_CONTEXT_KEY = "log_context"  # in handler data: the error handler logs with it


class LogContextMiddleware(BaseMiddleware):
    """An outer middleware on `update`: every log line of the update carries its ids."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        sender: TelegramUser | None = data.get("event_from_user")
        with log_context(
            update_id=event.update_id,
            user_id=sender.id if sender is not None else None,
            order_id=order_named_by(event),
        ) as context:
            data[LOG_CONTEXT_KEY] = context
            return await handler(event, data)


def order_named_by(update: Update) -> str | None:
    """Invoices carry the order id as payload; the order screen's buttons carry it too."""
    if update.pre_checkout_query is not None:
        return update.pre_checkout_query.invoice_payload
    if update.message is not None and update.message.successful_payment is not None:
        return update.message.successful_payment.invoice_payload
    query = update.callback_query
    if query is not None and query.data and query.data.startswith(OrderOpen.__prefix__ + ":"):
        try:
            return OrderOpen.unpack(query.data).order_id
        except (TypeError, ValueError):
            return None
    return None
