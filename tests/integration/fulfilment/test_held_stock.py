"""Pre-purchased codes at order time, against the real sandbox supplier: served first,
each sold exactly once under concurrent purchases, never expired, never with a supplier
order as well, and a failure inside the serving transaction leaves nothing half done."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.export_format import to_csv, to_json
from bot.services.held_import import import_held_codes
from bot.services.held_stock import SERVED
from bot.services.reconciliation import Reconciler
from sandbox.supplier.server import RunningSandbox
from storage.models import Order, OrderStatus
from storage.repositories import CodeRepository, HeldCodeRepository, OrderRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.supplier_attempts import SupplierAttemptRepository, attempt_reference
from supplier.client import SupplierClient
from tests.export_agreement import assert_csv_agrees_with_json
from tests.support.shop import Shop, set_stock, shoppers

SKU = "test-instant"


async def stock_codes(
    shop: Shop, codes: list[str], *, expires: str = "", now: datetime | None = None
) -> None:
    text = "code,expires_at\n" + "".join(f"{code},{expires}\n" for code in codes)
    result = await import_held_codes(
        shop.storage.db,
        shop.storage.cipher,
        sku=SKU,
        data=text.encode(),
        cost=900,
        currency="USD",
        batch="test",
        now=now or datetime.now(UTC),
    )
    assert result.imported == len(codes)


async def held_left(shop: Shop) -> int:
    async with shop.storage.db.read() as conn:
        return await HeldCodeRepository(conn, shop.storage.cipher).count_sellable(
            SKU, datetime.now(UTC)
        )


async def codes_of(shop: Shop, order_id: str) -> list[str]:
    async with shop.storage.db.read() as conn:
        return [
            c.code for c in await CodeRepository(conn, shop.storage.cipher).list_codes(order_id)
        ]


async def reason_of_last_move(shop: Shop, order_id: str) -> str | None:
    async with shop.storage.db.read() as conn:
        return (await OrderRepository(conn).timeline(order_id))[-1].reason


async def test_held_codes_are_served_whole_and_no_supplier_order_is_placed(
    shop: Shop, supplier: SupplierClient
) -> None:
    await stock_codes(shop, ["HELD-A", "HELD-B", "HELD-C"])
    order = await shop.paid_order(SKU, quantity=2)
    done = await shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED
    assert (done.fulfilled_quantity, done.supplier_order_id) == (2, None)
    assert sorted(await codes_of(shop, order.id)) == ["HELD-A", "HELD-B"]
    assert await reason_of_last_move(shop, order.id) == SERVED
    assert shop.outbox_woken.is_set()
    # No attempt was stored and the supplier holds nothing under any reference of ours.
    async with shop.storage.db.read() as conn:
        assert await SupplierAttemptRepository(conn).list_for(order.id) == []
    for reference in (order.id, attempt_reference(order.id, 1)):
        assert await supplier.find_order_by_reference(reference) is None
    assert await held_left(shop) == 1
    # Delivered from held stock: never re-checked with the supplier (WATCH skips it).
    async with shop.storage.db.read() as conn:
        due = await OrderRepository(conn).list_due(datetime.now(UTC) + timedelta(days=30))
    assert order.id not in {o.id for o in due}


async def test_too_few_held_codes_leave_them_and_go_to_the_supplier(
    shop: Shop, supplier: SupplierClient
) -> None:
    await stock_codes(shop, ["HELD-A"])
    order = await shop.settle((await shop.paid_order(SKU, quantity=2)).id)
    assert order.status is OrderStatus.DELIVERED and order.supplier_order_id is not None
    assert "HELD-A" not in await codes_of(shop, order.id)
    assert await held_left(shop) == 1


async def test_expired_held_codes_are_never_sold(shop: Shop) -> None:
    # Imported two hours ago, good for one hour: expired now.
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    await stock_codes(
        shop, ["HELD-OLD"], expires=hour_ago, now=datetime.now(UTC) - timedelta(hours=2)
    )
    order = await shop.paid_order(SKU)
    done = await shop.settle(order.id)
    assert done.supplier_order_id is not None
    assert "HELD-OLD" not in await codes_of(shop, order.id)


async def test_concurrent_purchases_never_share_a_held_code(
    shop: Shop, sandbox: RunningSandbox
) -> None:
    held = [f"HELD-{n}" for n in range(5)]
    await stock_codes(shop, held)
    users = await shoppers(shop, 8)
    orders: list[Order] = []
    for user in users:
        quote = await shop.checkout.quote(user_id=user, chat_id=user, sku=SKU, quantity=1)
        orders.append(await shop.pay(quote.order))
    done = await asyncio.gather(*(shop.settle(o.id) for o in orders))
    assert all(o.status is OrderStatus.DELIVERED for o in done)
    delivered = [code for o in done for code in await codes_of(shop, o.id)]
    assert len(delivered) == len(set(delivered)) == 8
    assert sorted(c for c in delivered if c.startswith("HELD-")) == held  # each sold once
    from_held = [o for o in done if o.supplier_order_id is None]
    assert len(from_held) == 5
    assert await held_left(shop) == 0


async def test_a_failure_inside_the_serving_transaction_leaves_a_consistent_order(
    shop: Shop, supplier: SupplierClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between the claim and the notice: nothing of the claim lands, the codes are
    still held, and the order resumes with the supplier (never from held stock on resume,
    where a supplier POST may already be in flight)."""
    await stock_codes(shop, ["HELD-A"])
    order = await shop.paid_order(SKU)

    async def crash(*_: object, **__: object) -> bool:
        raise RuntimeError("process died here")

    monkeypatch.setattr(OutboxRepository, "enqueue", crash)
    with pytest.raises(RuntimeError, match="process died"):
        await shop.fulfilment.fulfil(order.id)
    monkeypatch.undo()

    stuck = await shop.order(order.id)
    assert stuck.status is OrderStatus.ORDERING
    assert await codes_of(shop, order.id) == []
    assert await held_left(shop) == 1
    async with shop.storage.db.read() as conn:
        sold = await HeldCodeRepository(conn, shop.storage.cipher).count_sold_to(order.id)
    assert sold == 0

    done = await shop.settle(order.id)
    assert done.status is OrderStatus.DELIVERED and done.supplier_order_id is not None
    assert await held_left(shop) == 1


async def test_held_codes_are_stock_when_the_supplier_has_none(
    shop: Shop, sandbox: RunningSandbox
) -> None:
    await set_stock(sandbox, SKU, 0)
    await stock_codes(shop, ["HELD-A", "HELD-B"])
    stock = await shop.catalog.stock(SKU, fresh=True)
    assert (stock.status, stock.available, stock.held) == ("in_stock", 2, 2)
    users = await shoppers(shop, 3)
    quotes = [
        (await shop.checkout.quote(user_id=u, chat_id=u, sku=SKU, quantity=1)).order for u in users
    ]
    verdicts = [
        await shop.checkout.pre_checkout(
            user_id=q.user_id, payload=q.id, currency="XTR", total_amount=q.amount_due
        )
        for q in quotes
    ]
    assert [v.ok for v in verdicts] == [True, True, False]  # the third is declined first
    for quote in quotes[:2]:
        done = await shop.fulfilment.fulfil((await shop.pay(quote)).id)
        assert done.status is OrderStatus.DELIVERED and done.supplier_order_id is None
    assert (await shop.catalog.stock(SKU, fresh=True)).status == "out_of_stock"


async def test_the_export_shows_held_codes_bought_sold_and_held_never_the_codes(
    shop: Shop, supplier: SupplierClient
) -> None:
    await stock_codes(shop, ["HELD-A", "HELD-B", "HELD-C"])
    held_order = await shop.fulfilment.fulfil((await shop.paid_order(SKU, quantity=2)).id)
    supplied = await shop.settle((await shop.paid_order(SKU, quantity=3)).id)  # 1 held < 3
    assert supplied.supplier_order_id is not None and held_order.supplier_order_id is None
    now = datetime.now(UTC)
    rec = await Reconciler(shop.storage.db, supplier).build(
        now - timedelta(hours=1), now + timedelta(hours=1)
    )
    rows = {row["order_id"]: row for row in rec.orders}
    assert rows[held_order.id]["held_codes"] == 2
    assert rows[held_order.id]["held_cost_minor"] == 1800
    assert rows[held_order.id]["held_cost"] == "18.00"
    assert rows[supplied.id]["held_codes"] == 0
    assert rows[supplied.id]["supplier_debit_minor"] > 0
    assert [d for d in rec.discrepancies if d.get("order_id") == held_order.id] == []
    assert rec.held_codes == [
        {
            "sku": SKU,
            "batch": "test",
            "imported_at": rec.held_codes[0]["imported_at"],
            "cost_each_minor": 900,
            "cost_each": "9.00",
            "cost_each_currency": "USD",
            "bought": 3,
            "bought_cost_minor": 2700,
            "bought_cost": "27.00",
            "bought_cost_currency": "USD",
            "sold": 2,
            "held": 1,
            "expired_unsold": 0,
        }
    ]
    csv_document, json_document = to_csv(rec), to_json(rec)
    assert "HELD-" not in csv_document + json_document
    assert_csv_agrees_with_json(csv_document, json.loads(json_document))


async def test_a_code_the_supplier_sold_us_is_refused_at_import(shop: Shop) -> None:
    order = await shop.settle((await shop.paid_order(SKU)).id)
    assert order.supplier_order_id is not None
    (code,) = await codes_of(shop, order.id)
    result = await import_held_codes(
        shop.storage.db,
        shop.storage.cipher,
        sku=SKU,
        data=f"code\nNEW-ONE\n{code.lower()}\n".encode(),
        cost=None,
        currency="USD",
        batch="test",
        now=datetime.now(UTC),
    )
    assert (result.imported, result.refused) == (1, ["row 3 (already held or sold)"])
    async with shop.storage.db.read() as conn:  # found by fingerprint: nothing decrypted
        cursor = await conn.execute("SELECT count(*) FROM order_codes WHERE fingerprint IS NULL")
        assert (await cursor.fetchone())[0] == 0  # type: ignore[index]
