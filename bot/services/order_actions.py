"""What an operator does to an order: refund it, or settle one that needs attention.

Every move goes through `OrderRepository.transition`, so the state table decides what is
allowed, and each move is guarded by the status the operator saw: a confirm button
pressed twice, or after the order moved on, finds the status changed and does nothing.
The money itself moves only in `FulfilmentService.fulfil` (Stars refunded once, store
credit given back), the same path the automatic refunds take.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Protocol

import aiosqlite

from bot.services.money_back import give_back, take_back_earned_credit
from storage.clock import utcnow
from storage.database import Database
from storage.errors import ConcurrentUpdate
from storage.models import Order, OrderStatus
from storage.order_states import TRANSITIONS
from storage.repositories import OrderRepository, OutboxRepository

log = logging.getLogger(__name__)

S = OrderStatus
REFUNDED_BY_ADMIN = "refunded by admin"
# Statuses an operator may ask to refund, and what the confirm prompt says will happen.
REFUND_PLANS: dict[OrderStatus, str] = {
    S.PAID: "not ordered from the supplier yet: the payment goes back",
    S.ORDERING: "the supplier order may still complete; its cost is not recovered",
    S.PENDING: "the supplier order may still complete; its cost is not recovered",
    S.FAILED: "refund already under way: confirming asks the bot to carry on now",
    S.VOIDED: "voided by the supplier, refund under way: confirming asks the bot to carry on now",
    S.NEEDS_ATTENTION: "the payment goes back (Stars refunded, store credit restored)",
    S.DELIVERED: "delivered: the order is voided and the payment goes back; the codes stay "
    "with the customer",
    S.PARTIAL: "partly delivered: voided, the whole payment goes back and the credit it "
    "earned is taken back",
    S.REFUND_DUE: "card payment: confirm only once you refunded it outside Telegram",
}
# Where a retry may send an order that needs attention: back to the step it stopped at.
RETRYABLE = frozenset({S.PAID, S.ORDERING, S.PENDING, S.FAILED, S.VOIDED})


class Fulfiller(Protocol):
    async def fulfil(self, order_id: str) -> Order: ...

    async def operate(self, order_id: str, move: Callable[[], Awaitable[object]]) -> Order: ...


class Outcome(StrEnum):
    DONE = "done"  # the order reached what the operator asked for
    UNDER_WAY = "under_way"  # moved; the automatic path finishes it (backoff, supplier)
    STALE = "stale"  # the order is no longer in the status the operator saw
    REFUSED = "refused"  # not possible for this order
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class ActionResult:
    outcome: Outcome
    order: Order | None
    detail: str = ""


class Resolution(StrEnum):
    RETRY = "retry"
    REFUND = "refund"
    REFUNDED = "refunded"  # closed: refunded by hand
    DELIVERED = "delivered"  # closed: delivered by hand


class OrderActions:
    def __init__(
        self,
        db: Database,
        fulfilment: Fulfiller,
        *,
        on_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._fulfilment = fulfilment
        self._on_outbox = on_outbox
        self._clock = clock

    async def find(self, order_id: str) -> Order | None:
        async with self._db.read() as conn:
            return await OrderRepository(conn).find_order(order_id)

    async def refund(self, order_id: str, *, seen: OrderStatus, admin_id: int) -> ActionResult:
        order = await self.find(order_id)
        if order is None:
            return ActionResult(Outcome.NOT_FOUND, None)
        if order.status is not seen:
            return ActionResult(Outcome.STALE, order)
        if seen not in REFUND_PLANS:
            return ActionResult(Outcome.REFUSED, order, f"a {seen} order has nothing to refund")
        reason = f"{REFUNDED_BY_ADMIN} {admin_id}"
        voided = seen in (S.DELIVERED, S.PARTIAL)
        try:
            if seen is S.REFUND_DUE:
                return await self._close(order, S.REFUNDED, f"refunded outside Telegram: {reason}")
            final = await self._fulfilment.operate(
                order_id, partial(self._move_for_refund, order, reason)
            )
        except ConcurrentUpdate:
            return ActionResult(Outcome.STALE, await self.find(order_id))
        log.info("admin %s refunds order %s (was %s)", admin_id, order_id, seen)
        if voided and final.status is S.REFUNDED:
            await self._notify(final, "refunded_by_support")
        return self._settled(final)

    async def resolve(
        self, order_id: str, action: Resolution, *, admin_id: int, note: str = ""
    ) -> ActionResult:
        order = await self.find(order_id)
        if order is None:
            return ActionResult(Outcome.NOT_FOUND, None)
        if order.status is not S.NEEDS_ATTENTION:
            return ActionResult(Outcome.STALE, order)
        if action is Resolution.REFUND:
            return await self.refund(order_id, seen=S.NEEDS_ATTENTION, admin_id=admin_id)
        note = f": {note}" if note else ""
        try:
            if action is Resolution.REFUNDED:
                return await self._close(order, S.REFUNDED, f"refunded by hand{note}")
            if action is Resolution.DELIVERED:
                return await self._close(order, S.DELIVERED, f"delivered by hand{note}")
            back = order.attention_from
            if back not in RETRYABLE or back not in TRANSITIONS[S.NEEDS_ATTENTION]:
                return ActionResult(
                    Outcome.REFUSED, order, f"cannot retry from {back}; refund or close it"
                )
            retried = await self._fulfilment.operate(
                order_id, partial(self._transition, order, back, f"retry by admin {admin_id}")
            )
        except ConcurrentUpdate:
            return ActionResult(Outcome.STALE, await self.find(order_id))
        log.info("admin %s retries order %s from %s", admin_id, order_id, back)
        return self._settled(retried)

    # --- moves ---

    async def _move_for_refund(self, order: Order, reason: str) -> None:
        """Put the order where the automatic path owes it a refund (FAILED or VOIDED)."""
        now = self._clock()
        async with self._db.transaction() as conn:
            orders = OrderRepository(conn)
            status = order.status
            if status in (S.DELIVERED, S.PARTIAL):
                # The whole payment goes back: the credit its missing units earned too.
                await take_back_earned_credit(conn, order, now)
                await orders.transition(
                    order.id, expected=[status], to=S.VOIDED, now=now, reason=reason, voided_at=now
                )
                return
            if status is S.PAID:
                # paid → failed is not a move of the table: through a person's hands.
                await orders.transition(
                    order.id, expected=[status], to=S.NEEDS_ATTENTION, now=now, reason=reason
                )
                status = S.NEEDS_ATTENTION
            if status is S.NEEDS_ATTENTION and order.attention_from is S.VOIDED:
                await orders.transition(
                    order.id, expected=[status], to=S.VOIDED, now=now, reason=reason
                )
            elif status in (S.ORDERING, S.PENDING, S.NEEDS_ATTENTION):
                await orders.transition(
                    order.id,
                    expected=[status],
                    to=S.FAILED,
                    now=now,
                    reason=reason,
                    failure_reason=REFUNDED_BY_ADMIN,
                )

    async def _close(self, order: Order, to: OrderStatus, reason: str) -> ActionResult:
        """A person settled it outside the bot: record it and tell the customer."""
        now = self._clock()
        async with self._db.transaction() as conn:
            moved = await OrderRepository(conn).transition(
                order.id, expected=[order.status], to=to, now=now, reason=reason, finished_at=now
            )
            if to is S.REFUNDED:
                await give_back(conn, order, now)
                await _enqueue_notice(conn, moved, "refunded", now)
        if to is S.REFUNDED:
            self._on_outbox()
        return ActionResult(Outcome.DONE, moved)

    async def _transition(self, order: Order, to: OrderStatus, reason: str) -> Order:
        async with self._db.transaction() as conn:
            return await OrderRepository(conn).transition(
                order.id, expected=[order.status], to=to, now=self._clock(), reason=reason
            )

    async def _notify(self, order: Order, notice: str) -> None:
        async with self._db.transaction() as conn:
            queued = await _enqueue_notice(conn, order, notice, self._clock())
        if queued:
            self._on_outbox()

    @staticmethod
    def _settled(order: Order) -> ActionResult:
        if order.status in (S.REFUNDED, S.DELIVERED, S.PARTIAL):
            return ActionResult(Outcome.DONE, order)
        return ActionResult(Outcome.UNDER_WAY, order)


async def _enqueue_notice(
    conn: aiosqlite.Connection, order: Order, notice: str, now: datetime
) -> bool:
    return await OutboxRepository(conn).enqueue_notice(
        chat_id=order.chat_id, order_id=order.id, notice=notice, now=now
    )
