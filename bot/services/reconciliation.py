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
from typing import TYPE_CHECKING, Any, Protocol

from bot.services.reconciliation_checks import (
    order_discrepancies,
    telegram_discrepancies,
    unmatched_payments,
)
from bot.services.reconciliation_held import (
    held_batches,
    held_columns,
    held_order_discrepancies,
    held_sales,
)
from bot.services.reconciliation_rows import (
    Row,
    SupplierSide,
    discrepancy,
    entry_row,
    order_row,
    stamp,
)
from storage.clock import utcnow
from storage.database import Database
from storage.repositories import OrderRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.supplier_attempts import SupplierAttempt, SupplierAttemptRepository
from supplier.models import LedgerEntry

if TYPE_CHECKING:  # the CLI's export runs without aiogram (slow to import)
    from bot.services.star_ledger import StarLedger, StarTransaction

__all__ = ["LedgerSource", "Reconciler", "Reconciliation", "Row", "stamp"]

LATE_DEBITS = timedelta(days=1)


class LedgerSource(Protocol):
    def iter_reconciliation(self, from_: datetime, to: datetime) -> Any: ...


@dataclass
class Reconciliation:
    start: datetime
    end: datetime
    generated_at: datetime
    sources: dict[str, bool]
    orders: list[Row] = field(default_factory=list)
    supplier_entries: list[Row] = field(default_factory=list)
    discrepancies: list[Row] = field(default_factory=list)
    held_codes: list[Row] = field(default_factory=list)  # pre-purchased codes, per import


def attempts_columns(attempts: list[SupplierAttempt]) -> Row:
    """Where the order went: its current supplier and every attempt, in one cell each."""
    return {
        "supplier": attempts[-1].supplier if attempts else None,
        "supplier_attempts": "; ".join(
            f"{a.supplier} {a.reference} {a.status}" + (f" ({a.error})" if a.error else "")
            for a in attempts
        ),
    }


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
            held = await held_sales(conn, [order.id for order in orders])
            held_rows = await held_batches(conn, self._clock(), end)
        entries = [e async for e in self._supplier.iter_reconciliation(start, end + LATE_DEBITS)]
        # Attempt references (`<order id>-<n>`, several suppliers) stand for their order.
        async with self._db.read() as conn:
            refs = {e.reference for e in entries if e.reference}
            attempts = SupplierAttemptRepository(conn)
            to_order = await attempts.order_ids(refs)
            tried = await attempts.list_for_orders([order.id for order in orders])
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
            held_codes=held_rows,
        )
        by_ref: dict[str, SupplierSide] = defaultdict(SupplierSide)
        for entry in entries:
            if entry.occurred_at < end:
                rec.supplier_entries.append(entry_row(entry))
            if entry.reference and entry.type in ("debit", "refund"):
                side = by_ref[to_order.get(entry.reference, entry.reference)]
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
            row = order_row(order, kept, paid_tx, refund_tx, star_txs is not None)
            rec.orders.append(
                row | attempts_columns(tried[order.id]) | held_columns(held.get(order.id))
            )
            if order.id in held:  # served from held stock: no supplier debit expected
                rec.discrepancies += held_order_discrepancies(order, kept)
            else:
                rec.discrepancies += order_discrepancies(order, kept)
            if star_txs is not None:
                rec.discrepancies += telegram_discrepancies(order, paid_tx, refund_tx)
        rec.discrepancies += await self._supplier_only(entries, ours, start, end, to_order)
        charges = {o.telegram_payment_charge_id for o in orders if o.telegram_payment_charge_id}
        charges |= await self._charges_of_other_orders(star_txs or [], charges)
        rec.discrepancies += unmatched_payments(payments, charges, star_txs, start, end)
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
        self,
        entries: list[LedgerEntry],
        ours: set[str],
        start: datetime,
        end: datetime,
        to_order: dict[str, str],
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
                        discrepancy(
                            "supplier_adjustment", entry=entry, actual=signed, note=entry.note
                        )
                    )
                ref = to_order.get(entry.reference, entry.reference) if entry.reference else None
                if entry.type == "debit" and ref not in ours:
                    order = await orders.find_order(ref) if ref else None
                    if order is None or order.paid_at is None:
                        found.append(
                            discrepancy(
                                "supplier_debit_without_paid_order",
                                entry=entry,
                                actual=signed,
                                note="no order of ours" if order is None else "order not paid",
                            )
                        )
        return found
