"""Sends what the outbox holds: at least once, in order, with backoff.

Deliveries are rendered from the sealed codes at send time, so the outbox itself never
holds a code. A message Telegram refuses for good (the user blocked the bot) is marked
dead; the codes stay available through /orders.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n

from bot.rendering import OutgoingMessage, render_delivery, render_notice
from bot.services.order_queries import OrderQueries
from storage.clock import utcnow
from storage.database import Database
from storage.models import OutboxMessage
from storage.repositories import OrderRepository, OutboxRepository, UserRepository

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 5.0
MAX_BACKOFF = timedelta(hours=1)


class OutboxSender:
    def __init__(
        self,
        db: Database,
        orders: OrderQueries,
        bot: Bot,
        i18n: I18n,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._orders = orders
        self._bot = bot
        self._i18n = i18n
        self._clock = clock
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("outbox pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), IDLE_POLL_SECONDS)

    async def drain(self) -> int:
        """Send everything due now; return how many messages were sent."""
        sent = 0
        while True:
            async with self._db.read() as conn:
                due = await OutboxRepository(conn).list_due(self._clock())
            if not due:
                return sent
            for message in due:
                sent += await self._send(message)

    async def _send(self, message: OutboxMessage) -> int:
        try:
            rendered = await self._render(message)
            for part in rendered:
                await self._bot.send_message(
                    chat_id=message.chat_id, text=part.text, reply_markup=part.reply_markup
                )
        except TelegramRetryAfter as exc:
            await self._failed(message, "flood control", timedelta(seconds=exc.retry_after))
            return 0
        except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as exc:
            log.error("outbox message %s refused for good: %s", message.id, exc.message)
            await self._failed(message, exc.message, None)
            return 0
        except Exception as exc:
            backoff = min(MAX_BACKOFF, timedelta(seconds=2 ** min(message.attempts, 12)))
            log.warning("outbox message %s not sent (%s)", message.id, type(exc).__name__)
            await self._failed(message, type(exc).__name__, backoff)
            return 0
        async with self._db.transaction() as conn:
            await OutboxRepository(conn).mark_sent(message.id, self._clock())
        return len(rendered)

    async def _render(self, message: OutboxMessage) -> list[OutgoingMessage]:
        if message.order_id is None:
            raise ValueError(f"outbox message {message.id} has no order")
        async with self._db.read() as conn:
            order = await OrderRepository(conn).get_order(message.order_id)
            user = await UserRepository(conn).get_user(order.user_id)
        if order.chat_id != message.chat_id:
            # Codes go to the chat the order was placed in, and nowhere else.
            raise ValueError(f"outbox message {message.id} is not for order {order.id}'s chat")
        details = await self._orders.details_for_user(order.user_id, order.id)
        assert details is not None  # the owner always sees their own order
        locale = self._locale(user.language)
        if message.kind == "codes":
            return render_delivery(details, locale=locale)
        if message.kind == "notice":
            notice = json.loads(message.payload)["notice"]
            return [render_notice(notice, details.order, details.product, locale=locale)]
        raise ValueError(f"unknown outbox kind {message.kind!r}")

    def _locale(self, language: str | None) -> str:
        if language:
            base = language.split("-")[0].lower()
            if base in self._i18n.available_locales:
                return base
        return self._i18n.default_locale

    async def _failed(self, message: OutboxMessage, error: str, retry_in: timedelta | None) -> None:
        retry_at = self._clock() + retry_in if retry_in is not None else None
        async with self._db.transaction() as conn:
            await OutboxRepository(conn).mark_failed(message.id, error=error, retry_at=retry_at)
