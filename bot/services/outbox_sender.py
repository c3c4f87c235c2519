"""Sends what the outbox holds: at least once, in order, with backoff.

A codes message may be split in parts; each part is recorded as sent (`parts_sent`) the
moment Telegram accepts it, so a failure on part 3 resumes at part 3 and parts 1-2 are not
sent again. The one window left is a crash between Telegram's answer and that record: the
part is then sent twice (at-least-once; docs/orders.md).

A message Telegram refuses for good (the user blocked the bot, the chat is gone, or a
Bad Request that persists over a few tries) is marked dead. A dead codes message leaves the
codes readable in /orders and alerts every admin (see `_codes_message_dead`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

import aiosqlite
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n

from bot.logs import log_context
from bot.services.alerts import AlertKind, queue_alert
from bot.services.order_queries import OrderQueries
from bot.services.outbox_render import CODES, OutboxRenderer
from storage.clock import utcnow
from storage.database import Database
from storage.models import OrderStatus, OutboxMessage
from storage.order_states import STEP_OWED, Step, is_allowed
from storage.repositories import OrderRepository, OutboxRepository

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 5.0
SEND_CONCURRENCY = 16  # chats sent to at once; Telegram's own limit is ~30 messages/s
MAX_BACKOFF = timedelta(hours=1)
# A Bad Request may be Telegram's passing trouble; the same answer this many times is final.
BAD_REQUEST_ATTEMPTS = 3
DEAD_CODES_REASON = "codes message dead"


class OutboxSender:
    def __init__(
        self,
        db: Database,
        orders: OrderQueries,
        bot: Bot,
        i18n: I18n,
        *,
        admins: Collection[int] = (),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._renderer = OutboxRenderer(db, orders, i18n)
        self._bot = bot
        self._admins = frozenset(admins)
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
        """Send everything due now; return how many Telegram messages were sent.

        Chats are served concurrently (SEND_CONCURRENCY at a time), each chat's messages
        one after another in the order they were queued: one at a time in all, a rush of
        200 codes waited 200 Bot API round trips in a row (issue 11: pay → code 2.8× the
        floor's). Each part is still recorded as sent right after it is sent."""
        sent = 0
        while True:
            async with self._db.read() as conn:
                due = await OutboxRepository(conn).list_due(self._clock())
            if not due:
                return sent
            by_chat: dict[int, list[OutboxMessage]] = {}
            for message in due:
                by_chat.setdefault(message.chat_id, []).append(message)
            gate = asyncio.Semaphore(SEND_CONCURRENCY)
            counts = await asyncio.gather(
                *(self._send_in_order(messages, gate) for messages in by_chat.values())
            )
            sent += sum(counts)

    async def _send_in_order(self, messages: list[OutboxMessage], gate: asyncio.Semaphore) -> int:
        sent = 0
        async with gate:
            for message in messages:
                with log_context(order_id=message.order_id):
                    sent += await self._send(message)
        return sent

    async def _send(self, message: OutboxMessage) -> int:
        sent = 0
        try:
            parts = await self._renderer.render(message)
            for index in range(message.parts_sent, len(parts)):
                part = parts[index]
                await self._bot.send_message(
                    chat_id=message.chat_id, text=part.text, reply_markup=part.reply_markup
                )
                sent += 1
                # Recorded at once: a failure on a later part resumes after this one.
                async with self._db.transaction() as conn:
                    outbox = OutboxRepository(conn)
                    await outbox.mark_part_sent(message.id, index)
                    if index == len(parts) - 1:
                        await outbox.mark_sent(message.id, self._clock())
        except TelegramRetryAfter as exc:
            await self._retry(message, "flood control", timedelta(seconds=exc.retry_after))
            return sent
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            await self._dead(message, exc.message)
            return sent
        except TelegramBadRequest as exc:
            if message.attempts + 1 >= BAD_REQUEST_ATTEMPTS:
                await self._dead(message, exc.message)
            else:
                log.warning("outbox message %s: Bad Request, will retry", message.id)
                await self._retry(message, exc.message, _backoff(message.attempts))
            return sent
        except Exception as exc:
            log.warning("outbox message %s not sent (%s)", message.id, type(exc).__name__)
            await self._retry(message, type(exc).__name__, _backoff(message.attempts))
            return sent
        if message.parts_sent >= len(parts):
            # Nothing left to send (every part went out before a crash, or none to send).
            async with self._db.transaction() as conn:
                await OutboxRepository(conn).mark_sent(message.id, self._clock())
        return sent

    async def _retry(self, message: OutboxMessage, error: str, retry_in: timedelta) -> None:
        async with self._db.transaction() as conn:
            await OutboxRepository(conn).mark_failed(
                message.id, error=error, retry_at=self._clock() + retry_in
            )

    async def _dead(self, message: OutboxMessage, error: str) -> None:
        log.error("outbox message %s (%s) refused for good: %s", message.id, message.kind, error)
        async with self._db.transaction() as conn:
            await OutboxRepository(conn).mark_failed(message.id, error=error, retry_at=None)
            if message.kind == CODES and message.order_id is not None:
                await self._codes_message_dead(conn, message.order_id)
        self.wake()  # the alerts just queued

    async def _codes_message_dead(self, conn: aiosqlite.Connection, order_id: str) -> None:
        """The customer did not get their codes in chat; a person should reach them.

        The codes stay stored and readable in /orders whatever happens here. The order
        moves to needs_attention only where the state table allows it and no automatic
        step is owed there: a delivered or partial order (the usual case) cannot move (its
        status says the codes are stored, which is still true, and its post-delivery watch
        must go on), and a voided order still owes its refund. Every admin is alerted
        either way, in this same transaction."""
        now = self._clock()
        orders = OrderRepository(conn)
        order = await orders.get_order(order_id)
        if moves_to_attention_on_dead_codes(order.status):
            await orders.transition(
                order_id,
                expected=[order.status],
                to=OrderStatus.NEEDS_ATTENTION,
                now=now,
                reason=DEAD_CODES_REASON,
            )
        if not self._admins:
            log.error("codes message of order %s is dead and ADMIN_IDS is empty", order_id)
            return
        await queue_alert(
            conn,
            self._admins,
            AlertKind.NEEDS_ATTENTION,
            order_id,
            now,
            order_id=order_id,
            details={"reason": DEAD_CODES_REASON},
        )


def moves_to_attention_on_dead_codes(status: OrderStatus) -> bool:
    """Whether a dead codes message moves an order in `status` to needs_attention: only
    where the table allows it and nothing automatic (placing, polling, a refund) is owed."""
    owed = STEP_OWED[status] in (Step.PLACE, Step.POLL, Step.REFUND)
    return is_allowed(status, OrderStatus.NEEDS_ATTENTION) and not owed


def _backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 12)))
