"""Refunds owed on Stars payments: paid back once, retried with backoff, then a person.

A payment lands here as `refund_owed` (bot/services/payments.py decides that). Telegram
unreachable is retried for as long as it takes; a refusal (anything but
CHARGE_ALREADY_REFUNDED, which counts as done) or a failure we cannot read is tried a
bounded number of times, then the payment is `refund_failed` and the admins are alerted.
One lock per charge keeps two passes from asking Telegram at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Protocol

import aiosqlite

from bot.services.alerts import AlertKind, queue_alert
from bot.services.keyed_lock import KeyedLock
from bot.services.refunds import Refunder, RefundRejected, RefundUnavailable
from storage.clock import utcnow
from storage.database import Database
from storage.models import Payment
from storage.repositories import (
    OrderRepository,
    OutboxRepository,
    PaymentRepository,
    PaymentStatus,
)

log = logging.getLogger(__name__)

MAX_REFUND_ATTEMPTS = 5
REFUND_BACKOFF = timedelta(seconds=30)
MAX_REFUND_BACKOFF = timedelta(minutes=30)
LEDGER_SOURCE = "ledger"  # payments.source of a payment found in Telegram's ledger


class Paid(Protocol):
    @property
    def user_id(self) -> int: ...
    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def payload(self) -> str: ...


def refund_backoff(attempts: int) -> timedelta:
    """Wait before the next refund try, after `attempts` tries."""
    return min(MAX_REFUND_BACKOFF, REFUND_BACKOFF * (1 << min(attempts, 16)))


def alert_details(payment: Paid, **extra: object) -> dict[str, object]:
    """What an admin needs to find the payment (never a secret: these are no codes)."""
    return {
        "user_id": payment.user_id,
        "amount": payment.amount,
        "currency": payment.currency,
        "payload": payment.payload[:128],
        **extra,
    }


class OwedRefunds:
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
                details=alert_details(payment, error=error[:200]),
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
        if payment.source != LEDGER_SOURCE or payment.order_id is None:
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
