"""Paid order → supplier order → codes delivered, or the payment back. Exactly one of the two.

What to do with an order is the state table's answer (`STEP_OWED`); this service only
carries the steps out. Every state change is committed before the side effect it leads to
(the supplier POST, the refund, the message), so the recovery pass resumes any order from
its stored status after a crash: the POST is idempotent by reference, a refund already
done is recognised, and messages go through the outbox. One lock per order keeps the live
path, webhooks and recovery from acting on one order at once. An order that overstays a
state's deadline, or whose refund Telegram keeps refusing, goes to a person.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from typing import Any

from bot.logs import bind_order
from bot.services.alerts import AlertKind, queue_alert
from bot.services.fulfilment_rules import Deadlines, RetryRules
from bot.services.held_stock import serve_from_held
from bot.services.keyed_lock import KeyedLock
from bot.services.late_fulfilment import report_late
from bot.services.money_back import give_back
from bot.services.placement import Failed, Placed, Placement, in_our_terms
from bot.services.pricing import PRICE_TOLERANCE, STARS
from bot.services.refunds import Refunder, RefundRejected, RefundUnavailable
from bot.services.supplier_news import Judged, News, judge
from bot.services.supplier_outcome import DEADLINE, apply_supplier_order
from storage.cipher import CodeCipher
from storage.clock import utcnow
from storage.database import Database
from storage.models import Order, OrderStatus
from storage.order_states import STEP_OWED, Step
from storage.repositories import OrderRepository, OutboxRepository
from storage.repositories.supplier_attempts import SupplierAttempt, SupplierAttemptRepository
from supplier.errors import SupplierError
from supplier.models import Money
from supplier.models import Order as SupplierOrder
from supplier.port import SupplierPort
from supplier.router import Member, SupplierRouter

log = logging.getLogger(__name__)

REFUND_REJECTED = "refund rejected by Telegram"


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
        supplier: SupplierPort | SupplierRouter,
        refunder: Refunder,
        *,
        admins: Collection[int] = (),
        deadlines: Deadlines | None = None,
        retry: RetryRules | None = None,
        on_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._cipher = cipher
        # One supplier (a client) is a router of one, named `default`.
        self._router = (
            supplier if isinstance(supplier, SupplierRouter) else SupplierRouter.single(supplier)
        )
        self._refunder = refunder
        self._admins = frozenset(admins)
        self._deadlines = deadlines or Deadlines()
        self._retry = retry or RetryRules()
        self._on_outbox = on_outbox
        self._clock = clock
        self._locks = KeyedLock()
        self._placement = Placement(
            db, self._router, admins=admins, on_outbox=on_outbox, clock=clock
        )
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

    async def report_suppliers(self) -> None:
        """Several suppliers: alert the admins of circuit breakers that opened or closed."""
        await self._placement.report_breakers()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def fulfil(self, order_id: str) -> Order:
        """Carry out the step the order's state owes now, as far as it can go."""
        with bind_order(order_id):
            async with self._locks.hold(order_id):
                return await self._step(order_id)

    async def operate(self, order_id: str, move: Callable[[], Awaitable[object]]) -> Order:
        """A person's move (an admin refund, a retry), made while no automatic path acts on
        the order (a supplier POST in flight finishes first), then the step it owes."""
        with bind_order(order_id):
            async with self._locks.hold(order_id):
                await move()
                return await self._step(order_id)

    async def _step(self, order_id: str) -> Order:
        order = await self._get(order_id)
        now = self._clock()
        if self._deadlines.passed(order, now):
            return await self._escalate(order, DEADLINE, notice="delayed")
        if order.next_attempt_at is not None and order.next_attempt_at > now:
            return order  # backing off
        step = STEP_OWED[order.status]
        if step is Step.PLACE:
            if order.status is OrderStatus.PAID:
                order = await self._transition(order, OrderStatus.ORDERING)
                # Held codes first, only here: no supplier POST can be in flight yet.
                served = await serve_from_held(self._db, self._cipher, order, self._clock())
                if served is not None:
                    self._on_outbox()
                    return served
            return await self._place(order)
        if step is Step.POLL:
            return await self._poll(order)
        if step is Step.REFUND:
            return await self._refund(order)
        if step is Step.WATCH and order.next_attempt_at is not None:
            return await self._watch(order)
        return order

    async def on_supplier_update(
        self,
        reference: str,
        supplier_order_id: str,
        version: int | None = None,
        *,
        supplier: str | None = None,
    ) -> Order | None:
        """A supplier webhook said the order changed: fetch it (events are thin) and apply.
        News no newer than what we hold is acknowledged without a fetch. `supplier`: the
        supplier whose webhook it was; only the order's current attempt there is news, and
        news of a superseded attempt is checked for a late fulfilment, applied to nothing
        (None)."""
        judged = await self._judge(reference, supplier_order_id, version, supplier)
        if judged.news in (News.UNKNOWN, News.SUPERSEDED):
            log.warning("supplier event for %s: %s", reference, judged.news.value)
        if judged.news not in (News.FRESH, News.SUPERSEDED) or judged.order is None:
            return judged.order
        async with self._locks.hold(judged.order.id):
            # Again under the lock: a step in flight may have applied this news already.
            judged = await self._judge(reference, supplier_order_id, version, supplier)
            if judged.news is News.SUPERSEDED:
                if judged.named is not None:
                    await self._check_superseded(judged.named, supplier_order_id)
                return None  # news for no order of ours any more
            if judged.news is not News.FRESH or judged.order is None or judged.attempt is None:
                return judged.order
            member = self._member(judged.attempt)
            if member is None:
                return judged.order
            supplier_order = await member.client.get_order(supplier_order_id)
            order = await self._apply(
                judged.order, self._ours(member, judged.attempt, supplier_order)
            )
            if STEP_OWED[order.status] is Step.REFUND:
                order = await self._refund(order)
            return order

    async def _check_superseded(self, attempt: SupplierAttempt, supplier_order_id: str) -> None:
        """News of an attempt that is no longer the order's: never applied, but a supplier
        that holds it after all means the card was bought twice (late_fulfilment.py)."""
        member = self._member(attempt)
        if member is None:
            return  # no longer configured: nothing to ask it
        if await report_late(
            self._db, self._admins, member, attempt, supplier_order_id, self._clock()
        ):
            self._on_outbox()

    async def _judge(
        self, reference: str, supplier_order_id: str, version: int | None, supplier: str | None
    ) -> Judged:
        async with self._db.read() as conn:
            return await judge(conn, reference, supplier_order_id, version, supplier)

    async def recover(self) -> int:
        """Resume every order that is owed a step now or has overstayed its state;
        return how many were looked at."""
        now = self._clock()
        async with self._db.transaction() as conn:
            expired = await OrderRepository(conn).expire_quotes(now)
        if expired:
            log.info("expired %d unpaid quotes", expired)
        async with self._db.read() as conn:
            orders = OrderRepository(conn)
            due = {order.id: order for order in await orders.list_due(now)}
            for status, limit in self._deadlines.items():
                due |= {o.id: o for o in await orders.list_overdue(status, now - limit)}
        for order_id in due:
            try:
                await self.fulfil(order_id)
            except Exception:
                log.exception("recovery of order %s failed; will retry", order_id)
        return len(due)

    # --- steps, each called with the order's lock held ---

    async def _place(self, order: Order) -> Order:
        outcome = await self._placement.place(order, max_unit_price(order))
        if isinstance(outcome, Placed):
            return await self._settle(order, outcome.order)
        if isinstance(outcome, Failed):
            # Every supplier's final answer: nothing was bought, the money goes back.
            failed = await self._transition(
                order, OrderStatus.FAILED, failure_reason=outcome.reason
            )
            return await self._refund(failed)
        return order

    async def _poll(self, order: Order) -> Order:
        target = await self._target(order.id)
        if target is None:
            return order
        member, attempt = target
        try:
            if order.supplier_order_id:
                supplier_order = await member.client.get_order(order.supplier_order_id)
            else:
                found = await member.client.find_order_by_reference(attempt.reference)
                if found is None:
                    return order
                supplier_order = found
        except SupplierError as exc:
            log.warning("could not poll order %s: %s", order.id, type(exc).__name__)
            return order
        return await self._settle(order, self._ours(member, attempt, supplier_order))

    async def _watch(self, order: Order) -> Order:
        """A delivered order, re-checked for a supplier void in case its webhook was lost."""
        assert order.supplier_order_id is not None  # delivered orders came from the supplier
        target = await self._target(order.id)
        supplier_order = None
        if target is not None:
            try:
                member, attempt = target
                fetched = await member.client.get_order(order.supplier_order_id)
                supplier_order = self._ours(member, attempt, fetched)
            except SupplierError as exc:
                log.warning("could not re-check order %s: %s", order.id, type(exc).__name__)
        if supplier_order is not None:
            settled = await self._settle(order, supplier_order)
            if settled.status is not order.status:
                return settled
        next_check = self._retry.next_watch(order, self._clock())
        async with self._db.transaction() as conn:
            await OrderRepository(conn).record_attempt(order.id, next_attempt_at=next_check)
        return order

    async def _settle(self, order: Order, supplier_order: SupplierOrder) -> Order:
        order = await self._apply(order, supplier_order)
        if STEP_OWED[order.status] is Step.REFUND:
            return await self._refund(order)
        return order

    async def _apply(self, order: Order, supplier_order: SupplierOrder) -> Order:
        now = self._clock()
        async with self._db.transaction() as conn:
            fresh = await OrderRepository(conn).get_order(order.id)
            result = await apply_supplier_order(
                conn,
                self._cipher,
                fresh,
                supplier_order,
                now,
                ceiling=max_unit_price(fresh).amount,
                admins=self._admins,
                next_check=now + self._retry.watch_first,
            )
        if result.queued_messages:
            self._on_outbox()
        return result.order

    async def _refund(self, order: Order) -> Order:
        """Give back what the customer paid: the Stars charge (Telegram refunds it whole)
        and any store credit used. Card payments: a person refunds a failed one; a voided
        one comes back as store credit."""
        if order.currency != STARS and order.status is OrderStatus.FAILED:
            return await self._transition(
                order,
                OrderStatus.REFUND_DUE,
                notice="refund_due",
                alert=AlertKind.REFUND_DUE,
                finished_at=self._clock(),
            )
        if order.currency == STARS and order.telegram_payment_charge_id and order.paid_amount:
            try:
                await self._refunder.refund_stars(
                    user_id=order.user_id, telegram_charge_id=order.telegram_payment_charge_id
                )
            except RefundUnavailable as exc:
                log.warning("refund of order %s postponed: %s", order.id, exc)
                return await self._back_off(order, "refund unavailable")
            except RefundRejected as exc:
                log.error("Telegram refused the refund of order %s: %s", order.id, exc)
                if order.attempts + 1 >= self._retry.refund_rejections:
                    return await self._escalate(order, REFUND_REJECTED, notice="support")
                return await self._back_off(order, REFUND_REJECTED)
            log.info("order %s refunded", order.id)
        voided = order.status is OrderStatus.VOIDED
        return await self._transition(
            order,
            OrderStatus.REFUNDED,
            # A void already told the customer what comes back.
            notice=None if voided else "refunded",
            credit_back=True,
            finished_at=self._clock(),
        )

    async def _back_off(self, order: Order, error: str) -> Order:
        retry_at = self._clock() + self._retry.refund_backoff(order.attempts)
        async with self._db.transaction() as conn:
            orders = OrderRepository(conn)
            await orders.record_attempt(order.id, next_attempt_at=retry_at, error=error)
            return await orders.get_order(order.id)

    async def _escalate(self, order: Order, reason: str, *, notice: str) -> Order:
        """Hand the order to a person: the customer hears it is being handled, and every
        admin is alerted."""
        log.warning("order %s needs attention: %s", order.id, reason)
        return await self._transition(
            order,
            OrderStatus.NEEDS_ATTENTION,
            reason=reason,
            notice=notice,
            alert=AlertKind.NEEDS_ATTENTION,
        )

    async def _target(self, order_id: str) -> tuple[Member, SupplierAttempt] | None:
        """The order's current supplier and the reference it holds the order under."""
        async with self._db.read() as conn:
            attempt = await SupplierAttemptRepository(conn).current(order_id)
        member = self._member(attempt) if attempt is not None else None
        return (member, attempt) if member is not None and attempt is not None else None

    def _member(self, attempt: SupplierAttempt) -> Member | None:
        """The configured supplier an attempt went to; None (logged) if it is gone."""
        try:
            return self._router.member(attempt.supplier)
        except LookupError:
            log.error(
                "order %s is at supplier %s, which is not configured",
                attempt.order_id,
                attempt.supplier,
            )
            return None

    @staticmethod
    def _ours(
        member: Member, attempt: SupplierAttempt, supplier_order: SupplierOrder
    ) -> SupplierOrder:
        if supplier_order.reference != attempt.reference:
            # Not the attempt we asked about: left as it is, the state machine refuses it.
            return supplier_order
        return in_our_terms(member, supplier_order, attempt.order_id)

    async def _get(self, order_id: str) -> Order:
        async with self._db.read() as conn:
            return await OrderRepository(conn).get_order(order_id)

    async def _transition(
        self,
        order: Order,
        to: OrderStatus,
        *,
        reason: str | None = None,
        notice: str | None = None,
        alert: AlertKind | None = None,
        credit_back: bool = False,
        **fields: Any,
    ) -> Order:
        """One state change with what must land with it: the customer's notice, admin
        alerts, and (`credit_back`) the store credit the order used, plus a voided card
        payment as credit."""
        now = self._clock()
        async with self._db.transaction() as conn:
            moved = await OrderRepository(conn).transition(
                order.id, expected=[order.status], to=to, now=now, reason=reason, **fields
            )
            if credit_back:
                await give_back(conn, order, now)
            queued = False
            if notice:
                queued |= await OutboxRepository(conn).enqueue_notice(
                    chat_id=order.chat_id, order_id=order.id, notice=notice, now=now
                )
            if alert:
                queued |= await queue_alert(
                    conn,
                    self._admins,
                    alert,
                    order.id,
                    now,
                    order_id=order.id,
                    details={"reason": reason or ""},
                    occurrence=str(moved.version),
                )
        if queued:
            self._on_outbox()
        return moved
