"""Pre-purchased codes in the reconciliation export: what each import bought (its cost),
sold (to which orders) and still holds; never a code.

An order served from held stock has no supplier debit: its cost is the held codes' cost,
shown on its row (`held_codes`, `held_cost_minor`), and it is checked against that instead
of the supplier's ledger.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.services.reconciliation_rows import Row, SupplierSide, discrepancy, money, stamp
from storage.models import Order
from storage.repositories.held_codes import HeldStockQueries


@dataclass(frozen=True, slots=True)
class HeldSale:
    codes: int
    cost: int | None  # None: a code's cost was not given at import
    currency: str


async def held_sales(conn: aiosqlite.Connection, order_ids: Collection[str]) -> dict[str, HeldSale]:
    """The held codes each of these orders was served, and what they cost."""
    sales: dict[str, HeldSale] = {}
    for order_id, _sku, cost, currency in await HeldStockQueries(conn).sold_to(order_ids):
        before = sales.get(order_id)
        if before is None:
            sales[order_id] = HeldSale(1, cost, currency)
        else:
            total = None if before.cost is None or cost is None else before.cost + cost
            sales[order_id] = HeldSale(before.codes + 1, total, currency)
    return sales


def held_columns(sale: HeldSale | None) -> Row:
    return {
        "held_codes": sale.codes if sale else 0,
        **money("held_cost", sale.cost if sale else None, sale.currency if sale else None),
    }


def held_order_discrepancies(order: Order, side: SupplierSide | None) -> list[Row]:
    """A held-stock order is never also bought from the supplier."""
    if side is not None and side.debit:
        return [
            discrepancy(
                "held_order_with_supplier_debit",
                order=order,
                actual=(side.debit, side.currency or order.wholesale_currency),
                note="served from held stock, yet the supplier debited its reference",
            )
        ]
    return []


async def held_batches(conn: aiosqlite.Connection, now: datetime, end: datetime) -> list[Row]:
    """One row per import (and cost) made before the period's end, counted as of now."""
    return [
        {
            "sku": batch.sku,
            "batch": batch.batch,
            "imported_at": stamp(batch.imported_at),
            **money("cost_each", batch.cost, batch.cost_currency),
            "bought": batch.bought,
            **money(
                "bought_cost",
                batch.cost * batch.bought if batch.cost is not None else None,
                batch.cost_currency,
            ),
            "sold": batch.sold,
            "held": batch.held,
            "expired_unsold": batch.expired,
        }
        for batch in await HeldStockQueries(conn).batches(now, imported_before=end)
    ]
