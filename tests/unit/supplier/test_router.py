"""The router's reads over several suppliers: one catalog, stock summed, the best price."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from pydantic import SecretStr

from supplier.errors import SkuNotFound, SupplierConnectionError
from supplier.models import Balance, Money, Price, Product, Stock
from supplier.port import SupplierPort
from supplier.router import SupplierRouter
from supplier.settings import SupplierConfig

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@dataclass
class Fake:
    """A supplier's answers by (its) SKU; `down` fails every call as unreachable."""

    prices: dict[str, int] = field(default_factory=dict)
    stock: dict[str, str] = field(default_factory=dict)
    available: dict[str, int | None] = field(default_factory=dict)
    balance: int = 0
    down: bool = False
    calls: list[str] = field(default_factory=list)

    def _check(self, what: str, sku: str = "") -> None:
        self.calls.append(f"{what} {sku}".strip())
        if self.down:
            raise SupplierConnectionError("refused", request_sent=False)
        if sku and sku not in self.prices:
            raise SkuNotFound(404, "sku_not_found", sku)

    async def get_stock(self, sku: str, *, deadline: float | None = None) -> Stock:
        self._check("stock", sku)
        return Stock(
            sku=sku,
            status=self.stock.get(sku, "in_stock"),
            available=self.available.get(sku, 20),
            updated_at=NOW,
        )

    async def get_price(self, sku: str, *, deadline: float | None = None) -> Price:
        self._check("price", sku)
        money = Money(amount=self.prices[sku], currency="USD")
        return Price(sku=sku, face_value=money, unit_price=money, valid_until=NOW, updated_at=NOW)

    async def get_balance(self, *, deadline: float | None = None) -> Balance:
        self._check("balance")
        zero = Money(amount=0, currency="USD")
        return Balance(
            available=Money(amount=self.balance, currency="USD"), reserved=zero, updated_at=NOW
        )

    async def iter_catalog(self, *args: Any, **kwargs: Any) -> AsyncIterator[Product]:
        self._check("catalog")
        for sku in self.prices:
            yield Product(
                sku=sku,
                name=sku,
                brand="B",
                region="US",
                face_value=Money(amount=1000, currency="USD"),
                redemption_instructions="-",
                max_quantity=5,
                available=self.stock.get(sku, "in_stock") != "out_of_stock",
                updated_at=NOW,
            )


def router(
    *members: tuple[str, int, Fake], sku_map: dict[str, str] | None = None
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
            cast(SupplierPort, fake),
        )
        for name, priority, fake in members
    ]
    return SupplierRouter(configs)


async def test_the_catalog_is_one_product_per_sku_of_ours() -> None:
    a = Fake(prices={"steam-20": 1000, "only-a": 500}, stock={"steam-20": "out_of_stock"})
    b = Fake(prices={"STEAM-20": 1010})
    both = router(("a", 0, a), ("b", 1, b), sku_map={"STEAM-20": "steam-20"})
    products = {p.sku: p.available async for p in both.iter_catalog()}
    assert products == {"steam-20": True, "only-a": True}, "b's mapped SKU is a's product"


async def test_stock_is_the_union_and_price_the_best_in_stock_offer() -> None:
    a = Fake(prices={"s": 900}, stock={"s": "out_of_stock"}, available={"s": 0})
    b = Fake(prices={"s": 1050}, available={"s": 3})
    c = Fake(prices={"s": 1000}, available={"s": 4})
    three = router(("a", 0, a), ("b", 1, b), ("c", 2, c))
    stock = await three.get_stock("s")
    assert (stock.status, stock.available) == ("in_stock", 7)
    assert (await three.get_price("s")).unit_price.amount == 1000, "a is cheaper but has none"


async def test_a_price_tie_goes_to_the_higher_priority() -> None:
    first, second = Fake(prices={"s": 1000}), Fake(prices={"s": 1000})
    pair = router(("late", 5, second), ("early", 1, first))
    assert pair.names == ["early", "late"]
    assert (await pair.get_price("s")).unit_price.amount == 1000
    assert (await pair.ranked("s", now=NOW)) == ["early", "late"]


async def test_one_supplier_down_does_not_fail_the_reads() -> None:
    a, b = Fake(prices={"s": 900}, balance=50, down=True), Fake(prices={"s": 1000}, balance=70)
    pair = router(("a", 0, a), ("b", 1, b))
    assert (await pair.get_price("s")).unit_price.amount == 1000
    assert (await pair.get_stock("s")).available == 20
    assert (await pair.get_balance()).available.amount == 70
    assert await pair.ranked("s", now=NOW) == ["b", "a"], "the one without an offer last"


async def test_every_supplier_down_raises() -> None:
    pair = router(("a", 0, Fake(down=True)), ("b", 1, Fake(down=True)))
    with pytest.raises(SupplierConnectionError):
        await pair.get_price("s")


async def test_one_supplier_is_asked_once_per_read() -> None:
    only = Fake(prices={"s": 900})
    single = SupplierRouter.single(cast(SupplierPort, only))
    await single.get_price("s")
    await single.get_stock("s")
    assert await single.ranked("s", now=NOW) == ["default"]
    assert only.calls == ["price s", "stock s"], "no extra calls with one supplier"


def test_a_router_needs_a_supplier() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SupplierRouter([])
