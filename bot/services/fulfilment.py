"""Paid order → supplier order → codes delivered, or a refund. Exactly one of the two.

Every state change is committed before the side effect it leads to (the supplier POST,
the refund, the message), so the recovery pass can resume any order from its stored
status after a crash: the POST is idempotent by reference, a refund already done is
recognised, and messages go through the outbox. One lock per order keeps the live
path, webhooks and recovery from acting on one order at once.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.services.keyed_lock import KeyedLock
from bot.services.pricing import PRICE_TOLERANCE, STARS
from bot.services.refunds import Refunder, RefundRejected, RefundUnavailable
from bot.services.supplier_outcome import apply_supplier_order
from storage.cipher import CodeCipher
from storage.clock import utcnow
from storage.database import Database
from storage.models import Order, OrderStatus
from storage.repositories import OrderRepository, OutboxRepository
from supplier.client import SupplierClient
from supplier.errors import (
    IdempotencyConflict,
    SupplierError,
    SupplierStatusError,
    Unauthorized,
)
from supplier.models import Money
from supplier.models import Order as SupplierOrder

log = logging.getLogger(__name__)

# Orders left in these states are resumed by the recovery pass.
RESUMABLE = (OrderStatus.PAID, OrderStatus.ORDERING, OrderStatus.PENDING, OrderStatus.FAILED)


def max_unit_price(order: Order) -> Money:
    """The most we pay per unit: the quoted wholesale price plus the pre-checkout tolerance.
    Deterministic, so every retry of the POST sends the same body."""
    ceiling = math.ceil(order.wholesale_unit_price * (1 + PRICE_TOLERANCE))
    return Money(amount=ceiling, currency=order.wholesale_currency)


class FulfilmentService:
    def __init__(
        self,
        db: Database,
        cipher: CodeCipher,
        supplier: SupplierClient,
        refunder: Refunder,
        *,
        on_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._cipher = cipher
        self._supplier = supplier
        self._refunder = refunder
        self._on_outbox = on_outbox
        self._clock = clock
        self._locks = KeyedLock()
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(self, order_id: str) -> None:
        """Fulfil in the background; the recovery pass covers it if this process dies."""
        task = asyncio.create_task(self._run(order_id), name=f"fulfil-{order_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, order_id: str) -> None:
        try:
            await self.fulfil(order_id)
        except Exception:
            log.exception("fulfilment of %s stopped; recovery will resume it", order_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def fulfil(self, order_id: str) -> Order:
        """Advance one order as far as it can go now."""
        async with self._locks.hold(order_id):
            order = await self._get(order_id)
            if order.status is OrderStatus.PAID:
                order = await self._transition(order, OrderStatus.ORDERING)
            if order.status is OrderStatus.ORDERING:
                return await self._place(order)
            if order.status is OrderStatus.PENDING:
                return await self._poll(order)
            if order.status is OrderStatus.FAILED:
                return await self._refund(order)
            return order

    async def on_supplier_update(self, reference: str, supplier_order_id: str) -> Order | None:
        """A supplier webhook said the order changed: fetch it (events are thin) and apply."""
        async with self._locks.hold(reference):
            async with self._db.read() as conn:
                order = await OrderRepository(conn).find_order(reference)
            if order is None:
                log.warning("supplier event for unknown reference %s", reference)
                return None
            supplier_order = await self._supplier.get_order(supplier_order_id)
            order = await self._apply(order, supplier_order)
            if order.status is OrderStatus.FAILED:
                order = await self._refund(order)
            return order

    async def refund_unmatched_payment(self, *, user_id: int, telegram_charge_id: str) -> None:
        """A payment that matches no payable order goes straight back."""
        try:
            await self._refunder.refund_stars(
                user_id=user_id, telegram_charge_id=telegram_charge_id
            )
        except (RefundUnavailable, RefundRejected):
            log.exception("could not refund unmatched charge of user %s", user_id)
            raise

    async def recover(self) -> int:
        """Resume every order left mid-way; return how many were looked at."""
        now = self._clock()
        async with self._db.transaction() as conn:
            expired = await OrderRepository(conn).expire_quotes(now)
        if expired:
            log.info("expired %d unpaid quotes", expired)
        async with self._db.read() as conn:
            stuck = await OrderRepository(conn).list_orders_in_status(RESUMABLE)
        for order in stuck:
            try:
                await self.fulfil(order.id)
            except Exception:
                log.exception("recovery of order %s failed; will retry", order.id)
        return len(stuck)

    # --- steps, each called with the order's lock held ---

    async def _place(self, order: Order) -> Order:
        try:
            supplier_order = await self._supplier.create_order(
                order.sku,
                order.quantity,
                reference=order.id,
                max_unit_price=max_unit_price(order),
            )
        except IdempotencyConflict:
            # The supplier holds an order under our reference with another body (placed
            # by an older build, or by hand): it is still this order's, so adopt it.
            log.warning("supplier has order %s with another body; adopting it", order.id)
            return await self._poll(order)
        except Unauthorized:
            log.error("supplier rejected our API key; order %s waits in 'ordering'", order.id)
            return order
        except SupplierStatusError as exc:
            if exc.retryable:
                log.warning("supplier busy for order %s (%s); will retry", order.id, exc.code)
                return order
            # A final answer: nothing was bought, so the customer gets the money back.
            log.warning("supplier refused order %s: %s", order.id, exc.code)
            failed = await self._transition(order, OrderStatus.FAILED, failure_reason=exc.code)
            return await self._refund(failed)
        except SupplierError as exc:
            log.warning("supplier unreachable for order %s (%s); will retry", order.id, exc)
            return order
        order = await self._apply(order, supplier_order)
        if order.status is OrderStatus.FAILED:
            return await self._refund(order)
        return order

    async def _poll(self, order: Order) -> Order:
        try:
            if order.supplier_order_id:
                supplier_order = await self._supplier.get_order(order.supplier_order_id)
            else:
                found = await self._supplier.find_order_by_reference(order.id)
                if found is None:
                    return order
                supplier_order = found
        except SupplierError as exc:
            log.warning("could not poll order %s: %s", order.id, type(exc).__name__)
            return order
        order = await self._apply(order, supplier_order)
        if order.status is OrderStatus.FAILED:
            return await self._refund(order)
        return order

    async def _apply(self, order: Order, supplier_order: SupplierOrder) -> Order:
        async with self._db.transaction() as conn:
            fresh = await OrderRepository(conn).get_order(order.id)
            result = await apply_supplier_order(
                conn, self._cipher, fresh, supplier_order, self._clock()
            )
        if result.queued_messages:
            self._on_outbox()
        return result.order

    async def _refund(self, order: Order) -> Order:
        if order.status is not OrderStatus.FAILED:
            return order
        if order.currency != STARS:
            # Card payments are refunded by a person through the provider.
            return await self._transition(
                order, OrderStatus.REFUND_DUE, notice="refund_due", finished_at=self._clock()
            )
        assert order.telegram_payment_charge_id is not None  # a failed order was paid
        try:
            await self._refunder.refund_stars(
                user_id=order.user_id, telegram_charge_id=order.telegram_payment_charge_id
            )
        except RefundUnavailable as exc:
            log.warning("refund of order %s postponed: %s", order.id, exc)
            return order
        except RefundRejected as exc:
            log.error("Telegram refused the refund of order %s: %s", order.id, exc)
            return order
        log.info("order %s refunded", order.id)
        return await self._transition(
            order, OrderStatus.REFUNDED, notice="refunded", finished_at=self._clock()
        )

    async def _get(self, order_id: str) -> Order:
        async with self._db.read() as conn:
            return await OrderRepository(conn).get_order(order_id)

    async def _transition(
        self, order: Order, to: OrderStatus, *, notice: str | None = None, **fields: Any
    ) -> Order:
        now = self._clock()
        async with self._db.transaction() as conn:
            moved = await OrderRepository(conn).transition(
                order.id, expected=[order.status], to=to, now=now, **fields
            )
            if notice:
                await OutboxRepository(conn).enqueue(
                    chat_id=order.chat_id,
                    kind="notice",
                    order_id=order.id,
                    payload={"notice": notice},
                    dedupe_key=f"{notice}:{order.id}",
                    now=now,
                )
        if notice:
            self._on_outbox()
        return moved
