"""Every payment Telegram reports, stored first, then applied to its order or classified.

Both doors lead here: the live `successful_payment` update and Telegram's own ledger
(getStarTransactions). The payment row (unique on the charge id) is written in the same
transaction that marks its order paid, so whichever door comes second finds it stored and
does nothing: one payment is handled once, whatever the order of arrival.

A payment that cannot pay its order is classified, never dropped:
- its payload names no order of this database → `unmatched`: it may belong to another
  database on the same bot token (a restored backup, a second shop), so nothing is
  refunded automatically; admins are alerted and a person decides;
- it names an order here that cannot take it (a second payment of one quote, an order
  already refunded, another user's order, a wrong amount) → Stars: `refund_owed`, refunded
  once with bounded retries, then `refunded` (or `refund_failed` and an alert);
  a card payment: `refund_due` and an alert (a person refunds it with the provider).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiosqlite

from bot.services.alerts import AlertKind, queue_alert
from bot.services.keyed_lock import KeyedLock
from bot.services.pricing import STARS
from bot.services.refunds import Refunder, RefundRejected, RefundUnavailable
from storage.clock import utcnow
from storage.database import Database
from storage.models import Order, OrderStatus, Payment
from storage.repositories import (
    OrderRepository,
    OutboxRepository,
    PaymentRepository,
    PaymentStatus,
)

log = logging.getLogger(__name__)

# An order takes a payment only while its quote is open (or lapsed unpaid: Telegram may
# still deliver a payment approved just before the quote expired).
PAYABLE = frozenset({OrderStatus.QUOTED, OrderStatus.EXPIRED})
# Telegram refusing a refund is retried this many times in all, then a person looks.
MAX_REFUND_ATTEMPTS = 5
REFUND_BACKOFF = timedelta(seconds=30)
MAX_REFUND_BACKOFF = timedelta(minutes=30)


class PaymentSource(StrEnum):
    UPDATE = "update"  # the live successful_payment message
    LEDGER = "ledger"  # found in getStarTransactions (its update was lost)


@dataclass(frozen=True, slots=True)
class IncomingPayment:
    charge_id: str  # telegram_payment_charge_id (a Star transaction's id)
    provider_charge_id: str | None
    user_id: int
    currency: str
    amount: int
    payload: str
    paid_at: datetime
    source: PaymentSource


@dataclass(frozen=True, slots=True)
class Intake:
    status: PaymentStatus  # what became of the payment (after a first refund try)
    is_new: bool  # False: this charge was stored before (a repeated update, the other door)
    order: Order | None  # the order it paid, when applied


def refund_backoff(attempts: int) -> timedelta:
    """Wait before the next refund try, after `attempts` tries."""
    return min(MAX_REFUND_BACKOFF, REFUND_BACKOFF * (1 << min(attempts, 16)))


def classify(order: Order | None, payment: IncomingPayment) -> tuple[PaymentStatus, str | None]:
    """Where a new payment goes, and why when it cannot pay `order` (pure)."""
    if order is None:
        return PaymentStatus.UNMATCHED, "the payload names no order of this database"
    if order.user_id != payment.user_id:
        problem = f"order {order.id} belongs to another user"
    elif (payment.currency, payment.amount) != (order.currency, order.amount_due):
        problem = f"order {order.id} is due {order.amount_due} {order.currency}"
    elif order.status not in PAYABLE:
        problem = f"order {order.id} is {order.status.value}"
    else:
        return PaymentStatus.APPLIED, None
    owed = PaymentStatus.REFUND_OWED if payment.currency == STARS else PaymentStatus.REFUND_DUE
    return owed, problem


class PaymentIntake:
    def __init__(
        self,
        db: Database,
        refunder: Refunder,
        *,
        admin_ids: Collection[int],
        on_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._refunder = refunder
        self._admins = frozenset(admin_ids)
        self._on_outbox = on_outbox
        self._clock = clock
        self._locks = KeyedLock()  # per charge id: one refund call at a time

    async def take(self, payment: IncomingPayment) -> Intake:
        """Store `payment` and apply or classify it; a refund owed is tried at once.
        The caller schedules fulfilment of a new applied payment's order."""
        intake = await self._store(payment)
        if intake.is_new and intake.status is PaymentStatus.REFUND_OWED:
            try:
                status = await self.refund(payment.charge_id)
            except Exception:
                # Stored as owed: the ledger's next pass tries again.
                log.exception("refund of charge %s stopped; will retry", payment.charge_id)
                status = PaymentStatus.REFUND_OWED
            intake = Intake(status=status, is_new=True, order=None)
        return intake

    async def record_refunded(self, payment: IncomingPayment) -> bool:
        """Telegram's ledger shows this payment already refunded (by an earlier version
        of the bot, or by hand): keep it as settled, apply nothing, alert nobody."""
        now = self._clock()
        async with self._db.transaction() as conn:
            order = await OrderRepository(conn).find_order(payment.payload)
            return await self._record(conn, payment, order, PaymentStatus.REFUNDED, now)

    async def refund_owed(self) -> int:
        """Try every refund whose time has come; return how many went through."""
        async with self._db.read() as conn:
            due = await PaymentRepository(conn).refunds_due(self._clock())
        done = 0
        for payment in due:
            try:
                done += await self.refund(payment.charge_id) is PaymentStatus.REFUNDED
            except Exception:
                # One payment's trouble never holds up the others.
                log.exception("refund of charge %s stopped; will retry", payment.charge_id)
        return done

    async def refund(self, charge_id: str) -> PaymentStatus:
        """One refund try of an owed payment, if its time has come."""
        async with self._locks.hold(charge_id):
            now = self._clock()
            async with self._db.read() as conn:
                payment = await PaymentRepository(conn).find(charge_id)
            if payment is None:
                raise LookupError(f"no payment {charge_id}")
            status = PaymentStatus(payment.status)
            if status is not PaymentStatus.REFUND_OWED or (
                payment.next_attempt_at is not None and payment.next_attempt_at > now
            ):
                return status
            try:
                # Refunding a charge twice is answered CHARGE_ALREADY_REFUNDED, which the
                # refunder reports as success: a crash after Telegram's yes is harmless.
                await self._refunder.refund_stars(
                    user_id=payment.user_id, telegram_charge_id=charge_id
                )
            except RefundUnavailable as exc:
                # Telegram was not asked: try again later, however many times it takes.
                log.warning("refund of charge %s postponed: %s", charge_id, exc)
                return await self._retry_later(payment, str(exc) or "unavailable", now)
            except Exception as exc:
                # Refused (or a failure we cannot read): a bounded number of tries, then
                # a person looks, rather than one more call every minute for ever.
                if isinstance(exc, RefundRejected):
                    log.error("Telegram refused to refund charge %s: %s", charge_id, exc)
                else:
                    log.exception("refund of charge %s failed", charge_id)
                error = str(exc) or type(exc).__name__
                if payment.attempts + 1 < MAX_REFUND_ATTEMPTS:
                    return await self._retry_later(payment, error, now)
                return await self._give_up(payment, error, now)
            return await self._refunded(payment, now)

    async def _store(self, payment: IncomingPayment) -> Intake:
        now = self._clock()
        async with self._db.transaction() as conn:
            orders = OrderRepository(conn)
            known = await PaymentRepository(conn).find(payment.charge_id)
            if known is not None:
                status = PaymentStatus(known.status)
                order = await orders.find_order(known.order_id) if known.order_id else None
                return Intake(status, is_new=False, order=order)
            order = await orders.find_order(payment.payload)
            status, problem = classify(order, payment)
            await self._record(conn, payment, order, status, now)
            if status is PaymentStatus.APPLIED:
                assert order is not None
                paid = await orders.mark_paid(
                    order.id,
                    telegram_charge_id=payment.charge_id,
                    provider_charge_id=payment.provider_charge_id,
                    amount=payment.amount,
                    now=now,
                )
                log.info("order %s paid (%s)", paid.id, payment.source.value)
                return Intake(status, is_new=True, order=paid)
            log.error(
                "payment %s of user %s is %s: %s",
                payment.charge_id,
                payment.user_id,
                status.value,
                problem,
            )
            alerted = await self._alert(conn, payment, order, status, problem, now)
        if alerted:
            self._on_outbox()
        return Intake(status, is_new=True, order=None)

    async def _record(
        self,
        conn: aiosqlite.Connection,
        payment: IncomingPayment,
        order: Order | None,
        status: PaymentStatus,
        now: datetime,
    ) -> bool:
        return await PaymentRepository(conn).record(
            charge_id=payment.charge_id,
            provider_charge_id=payment.provider_charge_id,
            user_id=payment.user_id,
            currency=payment.currency,
            amount=payment.amount,
            payload=payment.payload,
            order_id=order.id if order is not None else None,
            status=status,
            source=payment.source.value,
            paid_at=payment.paid_at,
            now=now,
        )

    async def _alert(
        self,
        conn: aiosqlite.Connection,
        payment: IncomingPayment,
        order: Order | None,
        status: PaymentStatus,
        problem: str | None,
        now: datetime,
    ) -> bool:
        kind = {
            PaymentStatus.UNMATCHED: AlertKind.UNMATCHED_PAYMENT,
            PaymentStatus.REFUND_DUE: AlertKind.REFUND_DUE,
        }.get(status)
        if kind is None:
            return False  # a Stars refund owed goes back on its own
        return await queue_alert(
            conn,
            self._admins,
            kind,
            payment.charge_id,
            now,
            order_id=order.id if order is not None else None,
            details=_details(payment, problem=problem),
        )

    async def _retry_later(self, payment: Payment, error: str, now: datetime) -> PaymentStatus:
        async with self._db.transaction() as conn:
            await PaymentRepository(conn).record_attempt(
                payment.charge_id,
                retry_at=now + refund_backoff(payment.attempts),
                error=error,
                now=now,
            )
        return PaymentStatus.REFUND_OWED

    async def _give_up(self, payment: Payment, error: str, now: datetime) -> PaymentStatus:
        async with self._db.transaction() as conn:
            await PaymentRepository(conn).set_status(
                payment.charge_id, PaymentStatus.REFUND_FAILED, now, error=error[:500]
            )
            alerted = await queue_alert(
                conn,
                self._admins,
                AlertKind.REFUND_FAILED,
                payment.charge_id,
                now,
                order_id=payment.order_id,
                details=_details(payment, error=error[:200]),
            )
        if alerted:
            self._on_outbox()
        return PaymentStatus.REFUND_FAILED

    async def _refunded(self, payment: Payment, now: datetime) -> PaymentStatus:
        async with self._db.transaction() as conn:
            await PaymentRepository(conn).set_status(payment.charge_id, PaymentStatus.REFUNDED, now)
            told = await self._tell_customer(conn, payment, now)
        log.info("charge %s of user %s refunded", payment.charge_id, payment.user_id)
        if told:
            self._on_outbox()
        return PaymentStatus.REFUNDED

    async def _tell_customer(
        self, conn: aiosqlite.Connection, payment: Payment, now: datetime
    ) -> bool:
        """The live path answers the payment message itself; a payment found in the ledger
        gets a notice in its order's chat, and only when that order is the payer's own."""
        if payment.source != PaymentSource.LEDGER or payment.order_id is None:
            return False
        order = await OrderRepository(conn).find_order(payment.order_id)
        if order is None or order.user_id != payment.user_id:
            return False
        return await OutboxRepository(conn).enqueue(
            chat_id=order.chat_id,
            kind="notice",
            order_id=order.id,
            payload={"notice": "unmatched_refund"},
            dedupe_key=f"unmatched_refund:{payment.charge_id}",
            now=now,
        )


def _details(payment: IncomingPayment | Payment, **extra: object) -> dict[str, object]:
    """What an admin needs to find the payment (never a secret: these are no codes)."""
    return {
        "user_id": payment.user_id,
        "amount": payment.amount,
        "currency": payment.currency,
        "payload": payment.payload[:128],
        **extra,
    }
