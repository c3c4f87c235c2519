"""The router's reads over several suppliers: one catalog, stock summed, the best price."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from supplier.errors import SupplierConnectionError
from supplier.models import StockStatus
from supplier.router import SupplierRouter
from supplier.settings import SupplierConfig
from tests.support.fake_supplier import Call, FakeSupplier, product

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def fake(
    prices: dict[str, int] | None = None,
    *,
    stock: dict[str, StockStatus] | None = None,
    available: dict[str, int | None] | None = None,
    balance: int = 0,
    down: bool = False,
) -> FakeSupplier:
    """A supplier selling just the SKUs it prices (20 units each unless told); `down`
    fails every call as unreachable, before any request was sent."""
    prices = prices or {}
    stock, available = stock or {}, available or {}
    return FakeSupplier(
        catalog=[
            product(sku, brand="B", face=1000, available=stock.get(sku) != "out_of_stock", now=NOW)
            for sku in prices
        ],
        stock={sku: (stock.get(sku, "in_stock"), available.get(sku, 20)) for sku in prices},
        prices=prices,
        skus=set(prices),
        available=balance,
        reserved=0,
        down=down,
        outage=SupplierConnectionError("refused", request_sent=False),
        now=NOW,
    )


def router(
    *members: tuple[str, int, FakeSupplier], sku_map: dict[str, str] | None = None
) -> SupplierRouter:
    configs = [
        (
            SupplierConfig(
                name=name,
                url=None,
                api_key=SecretStr("k"),
                webhook_secrets=[],
                priority=priority,
                sku_map=(sku_map or {}) if name == "b" else {},
            ),
            supplier,
        )
        for name, priority, supplier in members
    ]
    return SupplierRouter(configs)


async def test_the_catalog_is_one_product_per_sku_of_ours() -> None:
    a = fake(prices={"steam-20": 1000, "only-a": 500}, stock={"steam-20": "out_of_stock"})
    b = fake(prices={"STEAM-20": 1010})
    both = router(("a", 0, a), ("b", 1, b), sku_map={"STEAM-20": "steam-20"})
    products = {p.sku: p.available async for p in both.iter_catalog()}
    assert products == {"steam-20": True, "only-a": True}, "b's mapped SKU is a's product"


async def test_stock_is_the_union_and_price_the_best_in_stock_offer() -> None:
    a = fake(prices={"s": 900}, stock={"s": "out_of_stock"}, available={"s": 0})
    b = fake(prices={"s": 1050}, available={"s": 3})
    c = fake(prices={"s": 1000}, available={"s": 4})
    three = router(("a", 0, a), ("b", 1, b), ("c", 2, c))
    stock = await three.get_stock("s")
    assert (stock.status, stock.available) == ("in_stock", 7)
    assert (await three.get_price("s")).unit_price.amount == 1000, "a is cheaper but has none"


async def test_a_price_tie_goes_to_the_higher_priority() -> None:
    first, second = fake(prices={"s": 1000}), fake(prices={"s": 1000})
    pair = router(("late", 5, second), ("early", 1, first))
    assert pair.names == ["early", "late"]
    assert (await pair.get_price("s")).unit_price.amount == 1000
    assert (await pair.ranked("s", now=NOW)) == ["early", "late"]


async def test_one_supplier_down_does_not_fail_the_reads() -> None:
    a, b = fake(prices={"s": 900}, balance=50, down=True), fake(prices={"s": 1000}, balance=70)
    pair = router(("a", 0, a), ("b", 1, b))
    assert (await pair.get_price("s")).unit_price.amount == 1000
    assert (await pair.get_stock("s")).available == 20
    assert (await pair.get_balance()).available.amount == 70
    assert await pair.ranked("s", now=NOW) == ["b", "a"], "the one without an offer last"


async def test_every_supplier_down_raises() -> None:
    pair = router(("a", 0, fake(down=True)), ("b", 1, fake(down=True)))
    with pytest.raises(SupplierConnectionError):
        await pair.get_price("s")


async def test_one_supplier_is_asked_once_per_read() -> None:
    only = fake(prices={"s": 900})
    single = SupplierRouter.single(only)
    await single.get_price("s")
    await single.get_stock("s")
    assert await single.ranked("s", now=NOW) == ["default"]
    assert only.calls == [
        Call("get_price", ("s",)),
        Call("get_stock", ("s",)),
    ], "no extra calls with one supplier"


def test_a_router_needs_a_supplier() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SupplierRouter([])
