"""The sandbox supplier's books: catalog, stock, orders and money. Pure logic, no I/O."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from pydantic import BaseModel

from sandbox.supplier.catalog import CatalogItem, build_catalog
from sandbox.supplier.codes import CodeGenerator
from sandbox.supplier.errors import SandboxError, decode_cursor, encode_cursor
from sandbox.supplier.ledger import Ledger, usd
from sandbox.supplier.pricing import FxRates, unit_price
from supplier.models import (
    Balance,
    CatalogPage,
    LedgerEntry,
    Order,
    Price,
    Product,
    Stock,
)

STOCK_REPORT_CAP: Final = 100  # suppliers report "100+", not the exact count
LOW_STOCK: Final = 10
PRICE_VALIDITY: Final = timedelta(minutes=5)
CATALOG_PAGE_MAX: Final = 100


def utcnow() -> datetime:
    return datetime.now(UTC)


class Outcome(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Placement:
    """A POST /orders result: the order and, for a new one, what happens to it next."""

    order: Order
    created: bool
    outcome: Outcome = Outcome.COMPLETE
    deferred: bool = False  # settled after the pending delay rather than before responding


class Snapshot(BaseModel):
    """Everything that survives a restart (state_file)."""

    orders: list[Order]
    ledger: list[LedgerEntry]
    stock: dict[str, int | None]
    drift_reads: dict[str, int]
    fingerprints: dict[str, str]
    issued_codes: list[str]


class SandboxState:
    def __init__(
        self,
        *,
        starting_balance: int,
        seed: int | None = None,
        pending_probability: float = 0.0,
        failure_probability: float = 0.0,
        price_factor: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.catalog: dict[str, CatalogItem] = build_catalog()
        self.clock = clock
        self._starting_balance = starting_balance
        self.pending_probability = pending_probability
        self.failure_probability = failure_probability
        # Via str: Decimal(1.1) would carry the float's binary error into every price.
        self.price_factor = Decimal(str(price_factor))
        self.rng = random.Random(seed)
        self.fx = FxRates(seed)
        self.codes = CodeGenerator(seed)
        self.reset()

    def reset(self) -> None:
        """Fresh books; issued codes are kept so that codes never repeat."""
        self.orders: dict[str, Order] = {}
        self.by_reference: dict[str, str] = {}
        self.fingerprints: dict[str, str] = {}
        self.stock: dict[str, int | None] = {s: i.initial_stock for s, i in self.catalog.items()}
        self.drift_reads: dict[str, int] = {}
        self.ledger = Ledger(self.clock)
        if self._starting_balance:
            self.ledger.post("topup", self._starting_balance, note="opening balance")

    # --- persistence ---

    def snapshot(self) -> Snapshot:
        return Snapshot(
            orders=list(self.orders.values()),
            ledger=self.ledger.entries,
            stock=self.stock,
            drift_reads=self.drift_reads,
            fingerprints=self.fingerprints,
            issued_codes=sorted(self.codes.issued),
        )

    def restore(self, snap: Snapshot) -> None:
        self.orders = {o.order_id: o for o in snap.orders}
        self.by_reference = {o.reference: o.order_id for o in snap.orders}
        self.fingerprints = dict(snap.fingerprints)
        self.stock = {**self.stock, **snap.stock}
        self.drift_reads = dict(snap.drift_reads)
        self.ledger = Ledger(self.clock, snap.ledger)
        self.codes = CodeGenerator(None, snap.issued_codes)

    # --- reads ---

    def item(self, sku: str) -> CatalogItem:
        try:
            return self.catalog[sku]
        except KeyError:
            raise SandboxError("sku_not_found", f"no SKU {sku!r}") from None

    def _product(self, item: CatalogItem, now: datetime) -> Product:
        on_hand = self.stock[item.sku]
        return Product(
            sku=item.sku,
            name=item.name,
            brand=item.brand.name,
            region=item.region,
            face_value=item.face_value,
            redemption_instructions=item.brand.instructions,
            redemption_url=item.brand.redemption_url,
            max_quantity=item.max_quantity,
            available=on_hand is None or on_hand > 0,
            updated_at=now,
            kind=item.kind,
        )

    def catalog_page(
        self,
        region: str | None,
        brand: str | None,
        cursor: str | None,
        limit: int,
        kind: str | None = None,
    ) -> CatalogPage:
        if not 1 <= limit <= CATALOG_PAGE_MAX:
            raise SandboxError("invalid_request", f"limit must be 1..{CATALOG_PAGE_MAX}")
        if kind not in (None, "", "code", "topup"):
            raise SandboxError("invalid_request", "kind must be code or topup")
        offset = decode_cursor(cursor)
        matching = [
            i
            for i in self.catalog.values()
            if (not region or i.region.casefold() == region.casefold())
            and (not brand or i.brand.name.casefold() == brand.casefold())
            and (not kind or i.kind == kind)
        ]
        now = self.clock()
        page = [self._product(i, now) for i in matching[offset : offset + limit]]
        more = offset + limit < len(matching)
        return CatalogPage(items=page, next_cursor=encode_cursor(offset + limit) if more else None)

    def stock_of(self, sku: str) -> Stock:
        self.item(sku)
        on_hand = self.stock[sku]
        if on_hand is None:
            return Stock(sku=sku, status="in_stock", available=None, updated_at=self.clock())
        status = "out_of_stock" if on_hand == 0 else "low" if on_hand <= LOW_STOCK else "in_stock"
        return Stock(
            sku=sku,
            status=status,
            available=min(on_hand, STOCK_REPORT_CAP),
            updated_at=self.clock(),
        )

    def current_unit_price(self, item: CatalogItem) -> int:
        """The unit price an order placed now pays: the last quoted drift, no new read."""
        drift = self.drift_reads.get(item.sku, 0)
        return unit_price(item, self.fx, self.clock(), drift, self.price_factor)

    def read_price(self, sku: str) -> Price:
        item = self.item(sku)
        if sku == "test-price-drift":
            self.drift_reads[sku] = self.drift_reads.get(sku, 0) + 1
        now = self.clock()
        return Price(
            sku=sku,
            face_value=item.face_value,
            unit_price=usd(
                unit_price(item, self.fx, now, self.drift_reads.get(sku, 0), self.price_factor)
            ),
            valid_until=now + PRICE_VALIDITY,
            updated_at=now,
        )

    def balance(self) -> Balance:
        reserved = sum(o.total.amount for o in self.orders.values() if o.status == "pending")
        return Balance(
            available=usd(self.ledger.balance), reserved=usd(reserved), updated_at=self.clock()
        )

    def order(self, order_id: str) -> Order:
        try:
            return self.orders[order_id]
        except KeyError:
            raise SandboxError("order_not_found", f"no order {order_id!r}") from None

    def order_by_reference(self, reference: str) -> Order:
        order_id = self.by_reference.get(reference)
        if order_id is None:
            raise SandboxError("order_not_found", f"no order with reference {reference!r}")
        return self.orders[order_id]

    # --- sandbox control ---

    def set_balance(self, amount: int) -> Balance:
        """Set the available balance; the difference is booked so the ledger still adds up."""
        delta = amount - self.ledger.balance
        if delta > 0:
            self.ledger.post("topup", delta, note="balance set by sandbox control")
        elif delta < 0:
            self.ledger.post("adjustment", delta, note="balance set by sandbox control")
        return self.balance()

    def set_stock(self, sku: str, available: int) -> Stock:
        self.item(sku)
        self.stock[sku] = available
        return self.stock_of(sku)
