"""The account's ledger: every money movement, and reconciliation pages over it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Final

from sandbox.supplier.errors import decode_cursor, encode_cursor
from sandbox.supplier.pricing import ACCOUNT_CURRENCY
from supplier.models import LedgerEntry, LedgerEntryType, Money, Order, Reconciliation

RECONCILIATION_PAGE_MAX: Final = 1000
CSV_COLUMNS: Final = (
    "entry_id",
    "occurred_at",
    "type",
    "order_id",
    "reference",
    "sku",
    "quantity",
    "amount",
    "currency",
    "balance_after",
    "note",
)


def usd(amount: int) -> Money:
    return Money(amount=amount, currency=ACCOUNT_CURRENCY)


class Ledger:
    def __init__(self, clock: Callable[[], datetime], entries: list[LedgerEntry] | None = None):
        self._clock = clock
        self.entries: list[LedgerEntry] = list(entries or [])

    @property
    def balance(self) -> int:
        return self.entries[-1].balance_after.amount if self.entries else 0

    def post(
        self,
        type_: LedgerEntryType,
        amount: int,
        *,
        order: Order | None = None,
        quantity: int | None = None,
        note: str | None = None,
    ) -> LedgerEntry:
        entry = LedgerEntry(
            entry_id=f"le_{len(self.entries) + 1:08d}",
            occurred_at=self._clock(),
            type=type_,
            order_id=order.order_id if order else None,
            reference=order.reference if order else None,
            sku=order.sku if order else None,
            quantity=quantity,
            amount=usd(amount),
            balance_after=usd(self.balance + amount),
            note=note,
        )
        self.entries.append(entry)
        return entry

    def reconcile(
        self,
        start: datetime | None,
        end: datetime | None,
        cursor: str | None,
        limit: int = RECONCILIATION_PAGE_MAX,
    ) -> Reconciliation:
        """One page of entries with `start <= occurred_at < end`; balances frame the page."""
        selected = [
            e
            for e in self.entries
            if (start is None or e.occurred_at >= start) and (end is None or e.occurred_at < end)
        ]
        offset = decode_cursor(cursor)
        page = selected[offset : offset + limit]
        if page:
            opening = page[0].balance_after.amount - page[0].amount.amount
            closing = page[-1].balance_after.amount
        else:
            before = [e for e in self.entries if end is None or e.occurred_at < end]
            opening = closing = before[-1].balance_after.amount if before else 0
        more = offset + limit < len(selected)
        return Reconciliation(
            opening_balance=usd(opening),
            closing_balance=usd(closing),
            entries=page,
            next_cursor=encode_cursor(offset + limit) if more else None,
        )


def reconciliation_csv(page: Reconciliation) -> str:
    """The page's entries as CSV: the JSON columns, with Money split into minor units + currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in page.entries:
        row = e.model_dump(mode="json")
        row["currency"] = e.amount.currency
        row["amount"] = e.amount.amount
        row["balance_after"] = e.balance_after.amount
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()
