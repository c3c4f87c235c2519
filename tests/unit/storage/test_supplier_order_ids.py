"""Supplier order ids are unique per supplier: two suppliers may issue the same id, one
supplier may not give one id to two of our orders."""

from __future__ import annotations

import sqlite3

import pytest

from storage.models import OrderStatus
from storage.repositories import OrderRepository
from storage.repositories.supplier_attempts import SupplierAttemptRepository
from storage.store import Storage
from tests.support.orders import NOW, new_order


async def _placing(storage: Storage, order_id: str, charge: str, supplier: str) -> None:
    """An order in `ordering` whose current attempt is at `supplier`."""
    async with storage.db.transaction() as conn:
        orders = OrderRepository(conn)
        await orders.create_order(new_order(order_id), NOW)
        await orders.mark_paid(
            order_id, telegram_charge_id=charge, provider_charge_id=None, amount=3400, now=NOW
        )
        await orders.transition(
            order_id, expected={OrderStatus.PAID}, to=OrderStatus.ORDERING, now=NOW
        )
        await SupplierAttemptRepository(conn).start(order_id, supplier, NOW)


async def _pending(storage: Storage, order_id: str, supplier_order_id: str) -> None:
    async with storage.db.transaction() as conn:
        await OrderRepository(conn).transition(
            order_id,
            expected={OrderStatus.ORDERING},
            to=OrderStatus.PENDING,
            now=NOW,
            supplier_order_id=supplier_order_id,
            supplier_status="pending",
            supplier_version=1,
        )


async def test_two_suppliers_may_issue_the_same_order_id(seeded: Storage) -> None:
    await _placing(seeded, "GB1", "ch-1", "alpha")
    await _placing(seeded, "GB2", "ch-2", "beta")
    await _pending(seeded, "GB1", "ord_1")
    await _pending(seeded, "GB2", "ord_1")  # beta's ord_1 is not alpha's
    async with seeded.db.read() as conn:
        orders = OrderRepository(conn)
        attempts = SupplierAttemptRepository(conn)
        first, second = await orders.get_order("GB1"), await orders.get_order("GB2")
        at_alpha, at_beta = await attempts.current("GB1"), await attempts.current("GB2")
    assert (first.supplier_order_id, second.supplier_order_id) == ("ord_1", "ord_1")
    assert at_alpha is not None and at_beta is not None
    assert (at_alpha.supplier, at_alpha.supplier_order_id) == ("alpha", "ord_1")
    assert (at_beta.supplier, at_beta.supplier_order_id) == ("beta", "ord_1")


async def test_one_supplier_giving_one_id_to_two_orders_is_refused(seeded: Storage) -> None:
    await _placing(seeded, "GB1", "ch-1", "alpha")
    await _placing(seeded, "GB2", "ch-2", "alpha")
    await _pending(seeded, "GB1", "ord_1")
    with pytest.raises(sqlite3.IntegrityError):
        await _pending(seeded, "GB2", "ord_1")
    async with seeded.db.read() as conn:
        second = await OrderRepository(conn).get_order("GB2")
    assert (second.status, second.supplier_order_id) == (OrderStatus.ORDERING, None), (
        "the refused write changed nothing"
    )
