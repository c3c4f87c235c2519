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
  once with bounded retries (bot/services/payment_refunds.py), then `refunded` (or
  `refund_failed` and an alert);
  a card payment: `refund_due` and an alert (a person refunds it with the provider).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.services.alerts import AlertKind, queue_alert
from bot.services.payment_refunds import LEDGER_SOURCE, OwedRefunds, alert_details
from bot.services.pricing import STARS
from bot.services.refunds import Refunder
from storage.clock import utcnow
from storage.database import Database
from storage.models import Order, OrderStatus
from storage.repositories import OrderRepository, PaymentRepository, PaymentStatus

log = logging.getLogger(__name__)

# An order takes a payment only while its quote is open (or lapsed unpaid: Telegram may
# still deliver a payment approved just before the quote expired).
PAYABLE = frozenset({OrderStatus.QUOTED, OrderStatus.EXPIRED})


class PaymentSource(StrEnum):
    UPDATE = "update"  # the live successful_payment message
    LEDGER = LEDGER_SOURCE  # found in getStarTransactions (its update was lost)


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


def classify(order: Order | None, payment: IncomingPayment) -> tuple[PaymentStatus, str | None]:
    """Where a new payment goes, and why when it cannot pay `order` (pure)."""
    if order is None:
        # Never refunded on our own: it may be a sale of another shop on this token, or of
        # an older database. A card payment goes to a person to refund through the provider.
        unmatched = (
            PaymentStatus.UNMATCHED if payment.currency == STARS else PaymentStatus.REFUND_DUE
        )
        return unmatched, "the payload names no order of this database"
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
        self._admins = frozenset(admin_ids)
        self._on_outbox = on_outbox
        self._clock = clock
        self._refunds = OwedRefunds(
            db, refunder, admin_ids=admin_ids, on_outbox=on_outbox, clock=clock
        )

    async def take(self, payment: IncomingPayment) -> Intake:
        """Store `payment` and apply or classify it; a refund owed is tried at once.
        The caller schedules fulfilment of a new applied payment's order."""
        intake = await self._store(payment)
        if intake.is_new and intake.status is PaymentStatus.REFUND_OWED:
            try:
                status = await self._refunds.refund(payment.charge_id)
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

    @property
    def refunds(self) -> OwedRefunds:
        return self._refunds

    async def refund_owed(self) -> int:
        """Try every refund whose time has come; return how many went through."""
        return await self._refunds.refund_owed()

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
            details=alert_details(payment, problem=problem),
        )
