"""Flood control on the bot's own calls: wait a short `retry_after` once, else drop.

Telegram answers 429 with `retry_after` when a chat gets replies faster than about one a
second. For interactive calls (send, edit, answer) a short wait is better than a lost reply:
the call is sent once more after the wait. Replies to one chat that are told to wait
together are given slots a second apart (Telegram's per-chat pace), not all retried at the
same instant to meet the limit again. A long wait would hold the customer's update (and the
outbox) hostage, so beyond the bound the call is dropped with one warning line and the
`TelegramRetryAfter` goes back to the caller, which knows what to do (the error boundary
stays quiet about it; the outbox tries again later). Other calls are never delayed here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 5.0
PER_CHAT_SPACING_SECONDS = 1.0  # Telegram: about one message a second in one chat
_MAX_TRACKED_CHATS = 10_000
INTERACTIVE_METHODS = frozenset(
    {
        "sendMessage",
        "sendInvoice",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
    }
)


class CallObserver(Protocol):
    """Told of every failed Bot API call (the metrics count them)."""

    def api_error(self, method: str, error: TelegramAPIError) -> None: ...


def install_flood_control(bot: Bot, observer: CallObserver | None = None) -> None:
    """Every call of `bot` goes through the flood control (and tells `observer` of errors)."""
    bot.session.middleware(RetryAfterMiddleware(observer=observer))


class RetryAfterMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        *,
        max_wait: float = MAX_WAIT_SECONDS,
        observer: CallObserver | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_wait = max_wait
        self._observer = observer
        self._sleep = sleep
        self._monotonic = monotonic
        self._next_slot: dict[object, float] = {}  # chat -> when its next retry may go

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        try:
            return await self._observed(make_request, bot, method)
        except TelegramRetryAfter as exc:
            if name not in INTERACTIVE_METHODS:
                raise
            wait = self._take_slot(getattr(method, "chat_id", None) or name, exc.retry_after)
            if wait is None:
                log.warning("%s dropped: Telegram asks to wait %d s", name, exc.retry_after)
                raise
            await self._sleep(wait)
        try:
            return await self._observed(make_request, bot, method)
        except TelegramRetryAfter as exc:
            log.warning(
                "%s dropped: still flood-limited after a wait (%d s)", name, exc.retry_after
            )
            raise

    def _take_slot(self, chat: object, retry_after: float) -> float | None:
        """Seconds to wait before the one retry, or None when that is past the bound."""
        now = self._monotonic()
        if len(self._next_slot) >= _MAX_TRACKED_CHATS:
            self._next_slot = {k: t for k, t in self._next_slot.items() if t > now}
        slot = max(now + retry_after, self._next_slot.get(chat, 0.0))
        if slot - now > self._max_wait:
            return None
        self._next_slot[chat] = slot + PER_CHAT_SPACING_SECONDS
        return slot - now

    async def _observed(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramAPIError as exc:
            if self._observer is not None:
                self._observer.api_error(method.__api_method__, exc)
            raise
