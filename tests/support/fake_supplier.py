"""One in-memory supplier for the bot's tests: a `SupplierPort`, scripted by its fields.

Services take a `SupplierPort` (or a `SupplierRouter` over ports), so a test hands them
this fake as it is: no cast, and mypy checks it against the port (`_is_a_port` below).
A test sets what the supplier would answer (catalog, stock, prices, balance, ledger, the
player a top-up names, the status new orders get) and what it should fail with: one
method (`failing`) or every call (`down`, raising `outage`). Every call is recorded in
`calls`, so a test can say how often the supplier was asked.

For the HTTP client's own tests (retries, timeouts, status codes) the scripted HTTP server
in `tests/unit/supplier/scripted_http.py` is the tool; this one stands behind the port.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from supplier import models as wire
from supplier.errors import (
    IdempotencyConflict,
    OrderNotFound,
    OutOfStock,
    PriceChanged,
    SkuNotFound,
    SupplierTimeout,
)
from supplier.port import SupplierPort

__all__ = ["Call", "FakeSupplier", "Method", "product"]

NOW = datetime(2026, 1, 1, tzinfo=UTC)

Method = Literal[
    "iter_catalog",
    "get_stock",
    "get_price",
    "get_balance",
    "validate_topup",
    "create_order",
    "get_order",
    "find_order_by_reference",
    "iter_reconciliation",
]


class Call(NamedTuple):
    """One call the supplier received: the method, its positional arguments, the deadline."""

    method: Method
    args: tuple[object, ...] = ()
    deadline: float | None = None


@dataclass
class FakeSupplier:
    """A supplier whose answers are these fields; change them mid-test to change the answers."""

    catalog: list[wire.Product] = field(default_factory=list)
    # sku → (status, units on hand); an SKU not listed is `default_stock`.
    stock: dict[str, tuple[wire.StockStatus, int | None]] = field(default_factory=dict)
    default_stock: tuple[wire.StockStatus, int | None] = ("in_stock", 50)
    # sku → wholesale unit price in minor units; an SKU not listed costs `wholesale`.
    prices: dict[str, int] = field(default_factory=dict)
    wholesale: int = 2000
    currency: str = "USD"  # of prices and balance: the account currency
    # The SKUs this supplier sells; None: every SKU. Others raise SkuNotFound.
    skus: set[str] | None = None
    available: int = 50_000
    reserved: int = 1_000
    ledger: list[wire.LedgerEntry] = field(default_factory=list)
    # validate_topup names this player (the id is the one asked about).
    player_name: str = "SwiftFalcon042"
    player_region: str = "US"
    # Orders placed, by reference (the idempotency key); new ones get `order_status`.
    orders: dict[str, wire.Order] = field(default_factory=dict)
    order_status: wire.OrderStatus = "completed"
    # method → the error it raises (until removed); `down` fails every call with `outage`.
    failing: dict[Method, Exception] = field(default_factory=dict)
    down: bool = False
    outage: Exception = field(default_factory=lambda: SupplierTimeout("scripted: down"))
    now: datetime = NOW  # every answer's updated_at
    calls: list[Call] = field(default_factory=list)
    closed: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def asked(self, method: Method) -> list[Call]:
        """The calls of `method`, in order."""
        return [call for call in self.calls if call.method == method]

    def _call(self, method: Method, *args: object, deadline: float | None = None) -> None:
        # Recorded before failing: a call that failed was still made.
        self.calls.append(Call(method, args, deadline))
        if self.down:
            raise self.outage
        if method in self.failing:
            raise self.failing[method]

    def _sold(self, sku: str) -> None:
        if self.skus is not None and sku not in self.skus:
            raise SkuNotFound(404, "sku_not_found", sku)

    def _money(self, amount: int) -> wire.Money:
        return wire.Money(amount=amount, currency=self.currency)

    # --- SupplierPort ---

    async def iter_catalog(
        self,
        region: str | None = None,
        brand: str | None = None,
        page_size: int = 100,
        *,
        kind: wire.ProductKind | None = "code",
    ) -> AsyncIterator[wire.Product]:
        self._call("iter_catalog")
        for item in list(self.catalog):
            if region is not None and item.region != region:
                continue
            if brand is not None and item.brand != brand:
                continue
            if kind is not None and item.kind != kind:
                continue
            yield item

    async def get_stock(self, sku: str, *, deadline: float | None = None) -> wire.Stock:
        self._call("get_stock", sku, deadline=deadline)
        self._sold(sku)
        status, units = self.stock.get(sku, self.default_stock)
        return wire.Stock(sku=sku, status=status, available=units, updated_at=self.now)

    async def get_price(self, sku: str, *, deadline: float | None = None) -> wire.Price:
        self._call("get_price", sku, deadline=deadline)
        self._sold(sku)
        money = self._money(self.prices.get(sku, self.wholesale))
        return wire.Price(
            sku=sku, face_value=money, unit_price=money, valid_until=self.now, updated_at=self.now
        )

    async def get_balance(self, *, deadline: float | None = None) -> wire.Balance:
        self._call("get_balance", deadline=deadline)
        return wire.Balance(
            available=self._money(self.available),
            reserved=self._money(self.reserved),
            updated_at=self.now,
        )

    async def validate_topup(
        self, sku: str, player_id: str, *, deadline: float | None = None
    ) -> wire.Player:
        self._call("validate_topup", sku, player_id, deadline=deadline)
        self._sold(sku)
        return wire.Player(
            player_id=player_id, display_name=self.player_name, region=self.player_region
        )

    async def create_order(
        self,
        sku: str,
        quantity: int,
        reference: str,
        max_unit_price: wire.Money | None = None,
        *,
        player_id: str | None = None,
    ) -> wire.Order:
        self._call("create_order", sku, quantity, reference)
        placed = self.orders.get(reference)
        if placed is not None:
            # The same reference is the same order; other terms are a conflict, as the API says.
            if (placed.sku, placed.quantity, placed.player_id) != (sku, quantity, player_id):
                raise IdempotencyConflict(409, "idempotency_conflict", reference)
            return placed
        self._sold(sku)
        unit = self.prices.get(sku, self.wholesale)
        if max_unit_price is not None and unit > max_unit_price.amount:
            raise PriceChanged(409, "price_changed", sku)
        if self.stock.get(sku, self.default_stock)[0] == "out_of_stock":
            raise OutOfStock(409, "out_of_stock", sku)
        order = self._order(sku, quantity, reference, unit, player_id)
        self.orders[reference] = order
        return order

    def _order(
        self, sku: str, quantity: int, reference: str, unit: int, player_id: str | None
    ) -> wire.Order:
        number = next(self._ids)
        done = self.order_status == "completed"
        codes = (
            [wire.Code(code=f"FAKE-{number}-{n}") for n in range(1, quantity + 1)]
            if done and player_id is None
            else []
        )
        credit = (
            wire.TopupCredit(
                player_id=player_id, display_name=self.player_name, amount=self._money(unit)
            )
            if done and player_id is not None
            else None
        )
        return wire.Order(
            order_id=f"fake_ord_{number}",
            reference=reference,
            sku=sku,
            quantity=quantity,
            status=self.order_status,
            unit_price=self._money(unit),
            total=self._money(unit * quantity),
            fulfilled_quantity=quantity if done else 0,
            codes=codes,
            player_id=player_id,
            topup=credit,
            created_at=self.now,
            updated_at=self.now,
            version=1,
        )

    async def get_order(self, order_id: str) -> wire.Order:
        self._call("get_order", order_id)
        for order in self.orders.values():
            if order.order_id == order_id:
                return order
        raise OrderNotFound(404, "order_not_found", order_id)

    async def find_order_by_reference(self, reference: str) -> wire.Order | None:
        self._call("find_order_by_reference", reference)
        return self.orders.get(reference)

    async def iter_reconciliation(
        self, from_: datetime, to: datetime, *, page_size: int | None = None
    ) -> AsyncIterator[wire.LedgerEntry]:
        self._call("iter_reconciliation", from_, to)
        for entry in list(self.ledger):
            if from_ <= entry.occurred_at < to:
                yield entry

    async def close(self) -> None:
        self.closed = True


def product(
    sku: str,
    *,
    name: str | None = None,
    brand: str = "Steam",
    region: str = "US",
    face: int = 2000,
    currency: str = "USD",
    available: bool = True,
    kind: wire.ProductKind = "code",
    now: datetime = NOW,
) -> wire.Product:
    """A catalog entry as the supplier lists it."""
    return wire.Product(
        sku=sku,
        name=name or sku,
        brand=brand,
        region=region,
        face_value=wire.Money(amount=face, currency=currency),
        redemption_instructions="Redeem it.",
        max_quantity=5,
        available=available,
        updated_at=now,
        kind=kind,
    )


def _is_a_port(fake: FakeSupplier) -> SupplierPort:
    # mypy checks this: the fake drifting from the port fails `mypy`, not a test at run time.
    return fake
