"""Every supplier outcome ends in exactly one delivery or one refund."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot.services.fulfilment import max_unit_price
from storage.models import OrderStatus
from storage.repositories import (
    CodeRepository,
    CreditRepository,
    OrderRepository,
    OutboxRepository,
)
from supplier.client import SupplierClient
from tests.support.attempts import open_attempt, reference_of
from tests.support.shop import USER_ID, Shop


async def _outbox_kinds(shop: Shop, order_id: str) -> list[str]:
    async with shop.storage.db.read() as conn:
        return [m.kind for m in await OutboxRepository(conn).list_for_order(order_id)]


async def _codes(shop: Shop, order_id: str) -> list[str]:
    async with shop.storage.db.read() as conn:
        codes = await CodeRepository(conn, shop.storage.cipher).list_codes(order_id)
    return [c.code for c in codes]


async def test_instant_order_is_delivered_with_the_suppliers_codes(
    shop: Shop, supplier: SupplierClient
) -> None:
    order = await shop.paid_order("test-instant", quantity=2)
    done = await shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED
    assert done.fulfilled_quantity == 2
    reference = await reference_of(shop.storage.db, order.id)
    assert reference == f"{order.id}-1", "the first attempt's reference"
    issued = await supplier.find_order_by_reference(reference)
    assert issued is not None
    assert await _codes(shop, order.id) == [c.code for c in issued.codes]
    assert await _outbox_kinds(shop, order.id) == ["codes"]
    assert shop.refunder.refunded == []


async def test_real_catalog_sku_is_delivered(shop: Shop) -> None:
    regions = await shop.catalog.regions()
    brands = await shop.catalog.brands("US")
    assert "US" in regions and "Steam" in brands
    sku = (await shop.catalog.products("US", "Steam"))[0].sku
    order = await shop.paid_order(sku)
    assert (await shop.settle(order.id)).status is OrderStatus.DELIVERED
    assert len(await _codes(shop, order.id)) == 1


async def test_pending_order_is_delivered_later(shop: Shop) -> None:
    order = await shop.paid_order("test-pending")
    first = await shop.fulfilment.fulfil(order.id)
    assert first.status is OrderStatus.PENDING
    assert await _outbox_kinds(shop, order.id) == ["notice"]
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.DELIVERED
    assert await _outbox_kinds(shop, order.id) == ["notice", "codes"]


async def test_failed_order_is_refunded_once(shop: Shop) -> None:
    order = await shop.paid_order("test-fail")
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.REFUNDED
    assert shop.refunder.refunded == [order.telegram_payment_charge_id]
    assert await _codes(shop, order.id) == []
    await shop.fulfilment.recover()
    assert shop.refunder.refunded == [order.telegram_payment_charge_id]


async def test_declined_and_out_of_stock_orders_are_refunded(shop: Shop) -> None:
    declined = await shop.paid_order("test-decline")
    assert (await shop.fulfilment.fulfil(declined.id)).status is OrderStatus.REFUNDED
    assert (await shop.order(declined.id)).failure_reason == "order_declined"
    assert shop.refunder.refunded == [declined.telegram_payment_charge_id]


async def test_partial_order_delivers_what_was_issued_and_credits_the_rest(shop: Shop) -> None:
    order = await shop.paid_order("test-partial", quantity=3)
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.PARTIAL
    assert done.fulfilled_quantity == 1
    assert done.credited_amount == 2 * order.unit_price
    assert len(await _codes(shop, order.id)) == 1
    async with shop.storage.db.read() as conn:
        assert await CreditRepository(conn).balance(USER_ID, "XTR") == 2 * order.unit_price
    assert shop.refunder.refunded == []


async def test_committed_order_behind_a_502_is_recovered_by_reference(
    shop: Shop, supplier: SupplierClient
) -> None:
    order = await shop.paid_order("test-500-committed")
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.DELIVERED
    found = await supplier.find_order_by_reference(await reference_of(shop.storage.db, order.id))
    assert found is not None and done.supplier_order_id == found.order_id


async def test_unknown_refund_outcome_is_retried_until_done(shop: Shop) -> None:
    shop.refunder.unavailable = True
    order = await shop.paid_order("test-fail")
    stuck = await shop.settle(order.id, within=0.5)
    assert stuck.status is OrderStatus.FAILED
    shop.refunder.unavailable = False
    assert (await shop.settle(order.id)).status is OrderStatus.REFUNDED
    assert shop.refunder.refunded == [order.telegram_payment_charge_id]


async def _debits(supplier: SupplierClient, reference: str) -> int:
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    entries = [entry async for entry in supplier.iter_reconciliation(start, end)]
    return sum(1 for e in entries if e.reference == reference and e.type == "debit")


async def _crash_in_ordering(shop: Shop, order_id: str) -> None:
    async with shop.storage.db.transaction() as conn:
        await conn.execute("UPDATE orders SET status = 'ordering' WHERE id = ?", (order_id,))


async def test_crash_after_the_supplier_post_resumes_without_a_second_order(
    shop: Shop, supplier: SupplierClient
) -> None:
    order = await shop.paid_order("test-instant")
    # The process died right after the supplier accepted the POST, before we stored it.
    reference = await open_attempt(shop.storage.db, order.id)
    await supplier.create_order(
        "test-instant", 1, reference=reference, max_unit_price=max_unit_price(order)
    )
    await _crash_in_ordering(shop, order.id)
    await shop.fulfilment.recover()
    assert (await shop.order(order.id)).status is OrderStatus.DELIVERED
    assert await _debits(supplier, reference) == 1
    assert await reference_of(shop.storage.db, order.id) == reference, "no second attempt"


async def test_order_placed_with_another_body_is_adopted(
    shop: Shop, supplier: SupplierClient
) -> None:
    order = await shop.paid_order("test-instant")
    reference = await open_attempt(shop.storage.db, order.id)
    await supplier.create_order("test-instant", 1, reference=reference)  # no price ceiling
    await _crash_in_ordering(shop, order.id)
    await shop.fulfilment.recover()
    assert (await shop.order(order.id)).status is OrderStatus.DELIVERED
    assert await _debits(supplier, reference) == 1
    assert shop.refunder.refunded == []


PATHS = ("live", "webhook", "recovery")


@pytest.mark.parametrize("start_order", list(itertools.permutations(PATHS)), ids="-".join)
async def test_concurrent_paths_deliver_once(
    shop: Shop,
    supplier: SupplierClient,
    start_order: tuple[str, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The live path, a webhook and the recovery pass all act on one order at once, each
    started first in turn; each could deliver it alone. Exactly one does."""
    order = await shop.paid_order("test-instant")
    async with shop.storage.db.transaction() as conn:
        await OrderRepository(conn).transition(
            order.id, expected=[OrderStatus.PAID], to=OrderStatus.ORDERING, now=datetime.now(UTC)
        )
    # The live path's POST reached the supplier and its answer is on the way: the
    # supplier holds the real order, which is what the webhook names.
    reference = await open_attempt(shop.storage.db, order.id)
    placed = await supplier.create_order(
        "test-instant", 1, reference=reference, max_unit_price=max_unit_price(order)
    )
    paths: dict[str, Callable[[], Awaitable[object]]] = {
        "live": lambda: shop.fulfilment.fulfil(order.id),
        "webhook": lambda: shop.fulfilment.on_supplier_update(reference, placed.order_id),
        "recovery": shop.fulfilment.recover,
    }
    # No return_exceptions: any path that raises fails the test.
    await asyncio.gather(*(paths[name]() for name in start_order))
    # recover() logs what it cannot do instead of raising: that must not happen either.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    done = await shop.order(order.id)
    assert (done.status, done.supplier_order_id) == (OrderStatus.DELIVERED, placed.order_id)
    async with shop.storage.db.read() as conn:
        timeline = [t.to_status for t in await OrderRepository(conn).timeline(order.id)]
    assert timeline.count(OrderStatus.DELIVERED) == 1
    assert await _outbox_kinds(shop, order.id) == ["codes"]
    assert await _codes(shop, order.id) == [c.code for c in placed.codes]
    assert await _debits(supplier, reference) == 1
    assert shop.refunder.refunded == []
