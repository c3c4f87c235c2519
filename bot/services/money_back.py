"""What goes back to a customer with a refund or a void, written in the caller's transaction.

One place for the store-credit side of giving money back, whoever gives it (the automatic
refund, a supplier void, an operator): the credit an order used comes back, a voided card
payment comes back as credit, and a voided order's earned credit goes with it. Each entry is
unique per (order, reason), so nothing is given or taken twice.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.services.pricing import STARS
from storage.models import Order, OrderStatus
from storage.repositories import CreditReason, CreditRepository, PaymentRepository, PaymentStatus


async def give_back(conn: aiosqlite.Connection, order: Order, now: datetime) -> None:
    """The order's payment went back: its store credit comes back (and, for a voided card
    payment, the payment itself as credit); its charge is marked refunded."""
    credits = CreditRepository(conn)
    entries: list[tuple[int, CreditReason]] = []
    if order.credit_used:
        entries.append((order.credit_used, CreditReason.RESTORED))
    if order.status is OrderStatus.VOIDED and order.currency != STARS and order.paid_amount:
        entries.append((order.paid_amount, CreditReason.VOID_CREDIT))
    for amount, reason in entries:
        await credits.add_credit(
            user_id=order.user_id,
            amount=amount,
            currency=order.currency,
            reason=reason,
            order_id=order.id,
            now=now,
        )
    if order.telegram_payment_charge_id and order.currency == STARS:
        await PaymentRepository(conn).set_status(
            order.telegram_payment_charge_id, PaymentStatus.REFUNDED, now
        )


async def take_back_earned_credit(conn: aiosqlite.Connection, order: Order, now: datetime) -> None:
    """A voided order's payment goes back whole: the credit its missing units earned goes."""
    if order.credited_amount:
        await CreditRepository(conn).add_credit(
            user_id=order.user_id,
            amount=-order.credited_amount,
            currency=order.currency,
            reason=CreditReason.VOID_REVERSAL,
            order_id=order.id,
            now=now,
        )
