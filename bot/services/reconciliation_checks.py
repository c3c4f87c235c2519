"""The reconciliation's rules: what counts as a discrepancy between our orders, the
supplier's ledger and Telegram's Stars."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.services.pricing import STARS
from bot.services.reconciliation_rows import Row, SupplierSide, discrepancy
from storage.models import Order, OrderStatus, Payment

if TYPE_CHECKING:  # the CLI's export runs without aiogram (slow to import)
    from bot.services.star_ledger import StarTransaction

S = OrderStatus
# Statuses whose customer got their money back, one way or another.
GIVEN_BACK = frozenset({S.REFUNDED})


def order_discrepancies(order: Order, side: SupplierSide | None) -> list[Row]:
    """Our order against the supplier's entries for its reference."""
    supplier_took_it = order.supplier_order_id is not None or order.status in (
        S.DELIVERED,
        S.PARTIAL,
        S.PENDING,
    )
    if side is None or not side.debit:
        if supplier_took_it:
            return [discrepancy("paid_order_without_supplier_debit", order=order)]
        return []
    found = []
    quoted = order.wholesale_unit_price * order.quantity
    if side.debit != quoted:
        found.append(
            discrepancy(
                "amount_mismatch",
                order=order,
                expected=(quoted, order.wholesale_currency),
                actual=(side.debit, side.currency or order.wholesale_currency),
                note="supplier debit differs from the quoted wholesale price",
            )
        )
    if side.refund >= side.debit and order.status in (S.DELIVERED, S.PARTIAL):
        found.append(
            discrepancy(
                "refund_missing_customer_side",
                order=order,
                actual=(side.refund, side.currency or order.wholesale_currency),
                note="the supplier refunded the whole order; the customer was not refunded",
            )
        )
    return found


def telegram_discrepancies(
    order: Order, paid_tx: dict[str, StarTransaction], refund_tx: dict[str, StarTransaction]
) -> list[Row]:
    charge = order.telegram_payment_charge_id
    if order.currency != STARS or not charge:
        return []
    payment = paid_tx.get(charge)
    if payment is None:
        return [discrepancy("payment_missing_in_telegram", order=order)]
    found = []
    if payment.amount != (order.paid_amount or 0):
        found.append(
            discrepancy(
                "amount_mismatch",
                order=order,
                expected=(order.paid_amount or 0, STARS),
                actual=(payment.amount, STARS),
                note="Telegram's payment differs from the order's",
            )
        )
    refunded_here = order.status in GIVEN_BACK
    if refunded_here and charge not in refund_tx:
        found.append(
            discrepancy(
                "refund_missing_telegram_side",
                order=order,
                expected=(payment.amount, STARS),
                note="the order is refunded here; Telegram shows no refund",
            )
        )
    if charge in refund_tx and not refunded_here:
        found.append(
            discrepancy(
                "refund_missing_our_side",
                order=order,
                actual=(refund_tx[charge].amount, STARS),
                note=f"Telegram refunded it; the order is {order.status.value}",
            )
        )
    return found


def unmatched_payments(
    payments: list[Payment],
    charges: set[str],
    star_txs: list[StarTransaction] | None,
    start: datetime,
    end: datetime,
) -> list[Row]:
    """Payments that paid no order: from the bot's own table, and from Telegram's ledger."""
    found = []
    seen: set[str] = set()
    for payment in payments:
        if payment.order_id is None or payment.charge_id not in charges:
            if payment.order_id is not None and payment.status == "applied":
                continue  # pays an order outside the period
            seen.add(payment.charge_id)
            found.append(
                discrepancy(
                    "payment_without_order",
                    charge_id=payment.charge_id,
                    actual=(payment.amount, payment.currency),
                    note=f"payload {payment.payload!r}, user {payment.user_id}, {payment.status}",
                )
            )
    refunded = {t.charge_id for t in star_txs or [] if t.refund}
    for tx in star_txs or []:
        if tx.refund or not start <= tx.at < end or tx.charge_id in charges | seen:
            continue
        found.append(
            discrepancy(
                "payment_without_order",
                charge_id=tx.charge_id,
                actual=(tx.amount, STARS),
                note=f"in Telegram only; payload {tx.payload!r}, user {tx.user_id}, "
                + ("refunded" if tx.charge_id in refunded else "not refunded"),
            )
        )
    return found
