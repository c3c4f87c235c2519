"""The error boundary: whatever a handler lets escape ends here, not in the customer's lap.

The customer gets a short "that did not work, please try again" in their language (a pressed
button is always answered, a pre-checkout query is declined rather than left to time out);
the log gets one line with the update id (and the order id when the update named one). A
reply dropped by flood control was already logged once by the session middleware, and
answering it with another message would only hit the same limit.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.types import ErrorEvent, Update
from aiogram.types import User as TelegramUser

from bot.i18n import LOCALES, match_locale, translator
from bot.logs import LogContext, log_context
from bot.middlewares.log_context import LOG_CONTEXT_KEY
from bot.settings import BotSettings
from storage.models import User

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, **data: Any) -> bool:
    update, exc = event.update, event.exception
    context: LogContext | None = data.get(LOG_CONTEXT_KEY)
    with log_context(
        update_id=update.update_id,
        user_id=context.user_id if context else None,
        order_id=context.order_id if context else None,
    ):
        if isinstance(exc, TelegramRetryAfter):
            log.info("update %s: a reply was dropped by flood control", update.update_id)
        else:
            log.error("update %s failed: %s", update.update_id, type(exc).__name__, exc_info=exc)
        text = translator(_locale_of(data)).gettext("That did not work, please try again.")
        try:
            await _tell(update, text, flooded=isinstance(exc, TelegramRetryAfter))
        except TelegramAPIError as again:
            log.warning("could not tell the customer of the failure: %s", type(again).__name__)
    return True


async def _tell(update: Update, text: str, *, flooded: bool) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)
    elif update.pre_checkout_query is not None:
        await update.pre_checkout_query.answer(ok=False, error_message=text)
    elif (
        update.message is not None
        and update.message.chat.type == ChatType.PRIVATE
        # Not after a payment: "try again" would read as "pay again"; the payment ledger
        # picks up a payment whose processing failed.
        and update.message.successful_payment is None
        and not flooded
    ):
        await update.message.answer("⚠️ " + text)


def _locale_of(data: dict[str, Any]) -> str:
    user: User | None = data.get("user")
    sender: TelegramUser | None = data.get("event_from_user")
    for code in (user and user.language, sender and sender.language_code):
        locale = match_locale(code or None, LOCALES)
        if locale is not None:
            return locale
    settings: BotSettings | None = data.get("settings")
    return settings.default_language if settings is not None else "en"


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
