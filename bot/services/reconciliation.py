"""The reconciliation export: our orders against the supplier's ledger and Telegram's Stars.

Sources: the orders (paid in the period) and the `payments` table (every payment the bot
saw, live or recovered from Telegram's ledger) always; the supplier's /v1/reconciliation
for the period (and a day after it, so an order paid just before the end finds its
debit); Telegram's getStarTransactions only when a bot is at hand (the chat's /export;
the CLI runs without one, and says so in `sources`). Every record is a flat row of
scalars, so the CSV and the JSON carry the same values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from babel.numbers import get_currency_precision

from bot.services.pricing import STARS
from storage.clock import utcnow
from storage.database import Database
from storage.models import Order, OrderStatus, Payment
from storage.repositories import OrderRepository
from storage.repositories.reports import ReportRepository
from supplier.models import LedgerEntry

if TYPE_CHECKING:  # the CLI's export runs without aiogram (slow to import)
    from bot.services.star_ledger import StarLedger, StarTransaction

Row = dict[str, Any]
S = OrderStatus
LATE_DEBITS = timedelta(days=1)
# Statuses whose customer got their money back, one way or another.
GIVEN_BACK = frozenset({S.REFUNDED})


class LedgerSource(Protocol):
    def iter_reconciliation(self, from_: datetime, to: datetime) -> Any: ...


def digits(currency: str) -> int:
    return 0 if currency == STARS else get_currency_precision(currency)


def money(prefix: str, minor: int | None, currency: str | None) -> Row:
    """Integer minor units, the decimal amount as text, and the currency."""
    if minor is None or currency is None:
        return {f"{prefix}_minor": None, prefix: None, f"{prefix}_currency": None}
    places = digits(currency)
    return {
        f"{prefix}_minor": minor,
        prefix: f"{Decimal(minor).scaleb(-places):.{places}f}",
        f"{prefix}_currency": currency,
    }


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Reconciliation:
    start: datetime
    end: datetime
    generated_at: datetime
    sources: dict[str, bool]
    orders: list[Row] = field(default_factory=list)
    supplier_entries: list[Row] = field(default_factory=list)
    discrepancies: list[Row] = field(default_factory=list)


@dataclass
class _Supplier:
    """The supplier's entries for one of our references."""

    debit: int = 0  # positive: what it charged
    refund: int = 0
    currency: str | None = None
    entries: list[LedgerEntry] = field(default_factory=list)


class Reconciler:
    def __init__(
        self,
        db: Database,
        supplier: LedgerSource,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._supplier = supplier
        self._clock = clock

    async def build(
        self, start: datetime, end: datetime, stars: StarLedger | None = None
    ) -> Reconciliation:
        if end <= start:
            raise ValueError("the period ends before it starts")
        async with self._db.read() as conn:
            reports = ReportRepository(conn)
            orders = await reports.orders_paid_between(start, end)
            payments = await reports.payments_between(start, end)
        entries = [e async for e in self._supplier.iter_reconciliation(start, end + LATE_DEBITS)]
        star_txs = await stars.transactions() if stars is not None else None
        rec = Reconciliation(
            start=start,
            end=end,
            generated_at=self._clock(),
            sources={
                "orders": True,
                "payments_table": True,
                "supplier_ledger": True,
                "telegram_star_transactions": star_txs is not None,
            },
        )
        by_ref: dict[str, _Supplier] = defaultdict(_Supplier)
        for entry in entries:
            if entry.occurred_at < end:
                rec.supplier_entries.append(_entry_row(entry))
            if entry.reference and entry.type in ("debit", "refund"):
                side = by_ref[entry.reference]
                side.entries.append(entry)
                side.currency = entry.amount.currency
                if entry.type == "debit":
                    side.debit += -entry.amount.amount
                else:
                    side.refund += entry.amount.amount
        paid_tx = {t.charge_id: t for t in star_txs or [] if not t.refund}
        refund_tx = {t.charge_id: t for t in star_txs or [] if t.refund}
        ours = {order.id for order in orders}
        for order in orders:
            kept = by_ref.get(order.id)
            rec.orders.append(_order_row(order, kept, paid_tx, refund_tx, star_txs is not None))
            rec.discrepancies += _order_discrepancies(order, kept)
            if star_txs is not None:
                rec.discrepancies += _telegram_discrepancies(order, paid_tx, refund_tx)
        rec.discrepancies += await self._supplier_only(entries, ours, start, end)
        charges = {o.telegram_payment_charge_id for o in orders if o.telegram_payment_charge_id}
        charges |= await self._charges_of_other_orders(star_txs or [], charges)
        rec.discrepancies += _unmatched_payments(payments, charges, star_txs, start, end)
        return rec

    async def _charges_of_other_orders(
        self, txs: list[StarTransaction], charges: set[str]
    ) -> set[str]:
        """Telegram payments that paid an order of another period (a clock at the edge)."""
        found = set()
        async with self._db.read() as conn:
            orders = OrderRepository(conn)
            for tx in txs:
                if (
                    not tx.refund
                    and tx.charge_id not in charges
                    and await orders.find_order_by_charge(tx.charge_id) is not None
                ):
                    found.add(tx.charge_id)
        return found

    async def _supplier_only(
        self, entries: list[LedgerEntry], ours: set[str], start: datetime, end: datetime
    ) -> list[Row]:
        """Supplier movements in the period that no paid order of ours explains."""
        found = []
        async with self._db.read() as conn:
            orders = OrderRepository(conn)
            for entry in entries:
                if not start <= entry.occurred_at < end:
                    continue
                signed = (entry.amount.amount, entry.amount.currency)
                if entry.type == "adjustment":
                    found.append(
                        _discrepancy(
                            "supplier_adjustment", entry=entry, actual=signed, note=entry.note
                        )
                    )
                elif entry.type == "debit" and entry.reference not in ours:
                    order = await orders.find_order(entry.reference) if entry.reference else None
                    if order is None or order.paid_at is None:
                        found.append(
                            _discrepancy(
                                "supplier_debit_without_paid_order",
                                entry=entry,
                                actual=signed,
                                note="no order of ours" if order is None else "order not paid",
                            )
                        )
        return found


def _entry_row(entry: LedgerEntry) -> Row:
    return {
        "entry_id": entry.entry_id,
        "occurred_at": stamp(entry.occurred_at),
        "type": entry.type,
        "reference": entry.reference,
        "supplier_order_id": entry.order_id,
        "sku": entry.sku,
        "quantity": entry.quantity,
        **money("amount", entry.amount.amount, entry.amount.currency),
        **money("balance_after", entry.balance_after.amount, entry.balance_after.currency),
        "note": entry.note,
    }


def _order_row(
    order: Order,
    side: _Supplier | None,
    paid_tx: dict[str, StarTransaction],
    refund_tx: dict[str, StarTransaction],
    have_stars: bool,
) -> Row:
    charge = order.telegram_payment_charge_id
    payment = paid_tx.get(charge) if charge else None
    wholesale = order.wholesale_currency
    return {
        "order_id": order.id,
        "user_id": order.user_id,
        "sku": order.sku,
        "quantity": order.quantity,
        "fulfilled_quantity": order.fulfilled_quantity,
        "status": order.status.value,
        "created_at": stamp(order.created_at),
        "paid_at": stamp(order.paid_at),
        "finished_at": stamp(order.finished_at),
        **money("price", order.total_price, order.currency),
        **money("paid", order.paid_amount or 0, order.currency),
        **money("credit_used", order.credit_used, order.currency),
        **money("credited", order.credited_amount, order.currency),
        **money("wholesale_quoted", order.wholesale_unit_price * order.quantity, wholesale),
        **money("supplier_debit", side.debit if side else 0, side.currency if side else wholesale),
        **money(
            "supplier_refund", side.refund if side else 0, side.currency if side else wholesale
        ),
        "supplier_order_id": order.supplier_order_id,
        "supplier_status": order.supplier_status,
        "telegram_charge_id": charge,
        "telegram_paid_minor": payment.amount if payment else None,
        "telegram_refunded": (charge in refund_tx) if have_stars and charge else None,
    }


def _discrepancy(
    kind: str,
    *,
    order: Order | None = None,
    entry: LedgerEntry | None = None,
    charge_id: str | None = None,
    expected: tuple[int, str] | None = None,
    actual: tuple[int, str] | None = None,
    note: str | None = None,
) -> Row:
    return {
        "kind": kind,
        "order_id": order.id if order else (entry.reference if entry else None),
        "entry_id": entry.entry_id if entry else None,
        "charge_id": charge_id or (order.telegram_payment_charge_id if order else None),
        "occurred_at": stamp(entry.occurred_at if entry else order.paid_at if order else None),
        **money("expected", *(expected or (None, None))),
        **money("actual", *(actual or (None, None))),
        "note": note,
    }


def _order_discrepancies(order: Order, side: _Supplier | None) -> list[Row]:
    """Our order against the supplier's entries for its reference."""
    supplier_took_it = order.supplier_order_id is not None or order.status in (
        S.DELIVERED,
        S.PARTIAL,
        S.PENDING,
    )
    if side is None or not side.debit:
        if supplier_took_it:
            return [_discrepancy("paid_order_without_supplier_debit", order=order)]
        return []
    found = []
    quoted = order.wholesale_unit_price * order.quantity
    if side.debit != quoted:
        found.append(
            _discrepancy(
                "amount_mismatch",
                order=order,
                expected=(quoted, order.wholesale_currency),
                actual=(side.debit, side.currency or order.wholesale_currency),
                note="supplier debit differs from the quoted wholesale price",
            )
        )
    if side.refund >= side.debit and order.status in (S.DELIVERED, S.PARTIAL):
        found.append(
            _discrepancy(
                "refund_missing_customer_side",
                order=order,
                actual=(side.refund, side.currency or order.wholesale_currency),
                note="the supplier refunded the whole order; the customer was not refunded",
            )
        )
    return found


def _telegram_discrepancies(
    order: Order, paid_tx: dict[str, StarTransaction], refund_tx: dict[str, StarTransaction]
) -> list[Row]:
    charge = order.telegram_payment_charge_id
    if order.currency != STARS or not charge:
        return []
    payment = paid_tx.get(charge)
    if payment is None:
        return [_discrepancy("payment_missing_in_telegram", order=order)]
    found = []
    if payment.amount != (order.paid_amount or 0):
        found.append(
            _discrepancy(
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
            _discrepancy(
                "refund_missing_telegram_side",
                order=order,
                expected=(payment.amount, STARS),
                note="the order is refunded here; Telegram shows no refund",
            )
        )
    if charge in refund_tx and not refunded_here:
        found.append(
            _discrepancy(
                "refund_missing_our_side",
                order=order,
                actual=(refund_tx[charge].amount, STARS),
                note=f"Telegram refunded it; the order is {order.status.value}",
            )
        )
    return found


def _unmatched_payments(
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
                _discrepancy(
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
            _discrepancy(
                "payment_without_order",
                charge_id=tx.charge_id,
                actual=(tx.amount, STARS),
                note=f"in Telegram only; payload {tx.payload!r}, user {tx.user_id}, "
                + ("refunded" if tx.charge_id in refunded else "not refunded"),
            )
        )
    return found
