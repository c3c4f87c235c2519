"""/balance, /stock and /sync's services against the sandbox supplier."""

from __future__ import annotations

import json
from decimal import Decimal

from bot.services.admin_supply import SupplyService
from bot.services.alerts import AlertKind
from bot.services.ops_monitor import OpsCounters, OpsMonitor
from supplier.client import SupplierClient
from tests.support.shop import Control, Shop


def supply(shop: Shop, supplier: SupplierClient) -> SupplyService:
    return SupplyService(shop.storage.db, supplier, shop.catalog, low_balance_alert=Decimal(100))


async def test_balance_equals_the_suppliers_after_it_is_set(
    shop: Shop, supplier: SupplierClient, control: Control
) -> None:
    await control.post("/sandbox/balance", {"amount": {"amount": 4_321_00, "currency": "USD"}})
    expected = await control.get("/v1/balance")
    report = await supply(shop, supplier).balance()
    assert report.available == expected["available"]["amount"] == 4_321_00
    assert report.reserved == expected["reserved"]["amount"]
    assert report.currency == "USD" and not report.below_threshold
    await control.post("/sandbox/balance", {"amount": {"amount": 99_99, "currency": "USD"}})
    assert (await supply(shop, supplier).balance()).below_threshold


async def test_a_product_set_out_of_stock_shows_first_after_sync(
    shop: Shop, supplier: SupplierClient, control: Control
) -> None:
    await control.post("/sandbox/stock", {"sku": "steam-us-50", "available": 0})
    service = supply(shop, supplier)
    result = await service.sync()
    assert result.seen >= 40 and result.added == 0  # the shop fixture synced already
    report = await service.stock("steam-us")
    first = report.lines[0]
    assert (first.product.sku, first.stock.status) == ("steam-us-50", "out_of_stock")
    assert all(line.product.sku.startswith("steam-us") for line in report.lines)


async def test_a_balance_drop_below_the_threshold_alerts_once(
    shop: Shop, supplier: SupplierClient, control: Control
) -> None:
    monitor = OpsMonitor(
        shop.storage.db,
        supplier,
        shop.catalog,
        OpsCounters(),
        [1, 2],
        low_balance_alert=Decimal(100),
    )
    assert await monitor.check() == []
    await control.post("/sandbox/balance", {"amount": {"amount": 42_00, "currency": "USD"}})
    assert await monitor.check() == [AlertKind.LOW_BALANCE]
    assert await monitor.check() == []
    async with shop.storage.db.read() as conn:
        cursor = await conn.execute("SELECT chat_id, payload FROM outbox WHERE kind = 'alert'")
        rows = [(row[0], json.loads(row[1])) for row in await cursor.fetchall()]
    assert [chat for chat, _ in rows] == [1, 2]
    assert rows[0][1]["available"] == 42_00 and rows[0][1]["threshold"] == 100_00
