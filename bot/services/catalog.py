"""The catalog as customers see it: synced from the supplier, read from storage,
with live stock asked of the supplier (cached briefly)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.services.regions import GLOBAL, unlocked_regions
from storage.clock import utcnow
from storage.database import Database
from storage.models import Product
from storage.repositories import ProductData, ProductRepository
from storage.repositories.held_codes import HeldStockQueries
from supplier.errors import SkuNotFound, SupplierError
from supplier.port import SupplierPort

log = logging.getLogger(__name__)

T = TypeVar("T")

STOCK_TTL_SECONDS = 30.0
# Telegram's callback_data holds 64 bytes and the catalog buttons carry the SKU.
MAX_SKU_BYTES = 40
STOCK_DEADLINE_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class StockInfo:
    status: str  # in_stock | low | out_of_stock | unknown
    available: int | None
    held: int = 0  # pre-purchased codes included in `available` (bot/services/held_stock.py)

    @property
    def purchasable(self) -> bool:
        return self.status in ("in_stock", "low")


UNKNOWN_STOCK = StockInfo("unknown", None)


def with_held(supplier: StockInfo, held: int) -> StockInfo:
    """What customers see: the supplier's stock plus the held codes; a supplier that has
    none or cannot say leaves the held codes on sale."""
    if held <= 0:
        return supplier
    if supplier.purchasable:
        total = None if supplier.available is None else supplier.available + held
        return StockInfo(supplier.status, total, held)
    return StockInfo("in_stock", held, held)


@dataclass(frozen=True, slots=True)
class SyncResult:
    seen: int
    deactivated: int
    added: int = 0  # products new to the shop
    changed: int = 0  # products whose listing changed (name, price, back on sale...)


class CatalogService:
    def __init__(
        self,
        db: Database,
        supplier: SupplierPort,
        *,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._supplier = supplier
        self._clock = clock
        self._monotonic = monotonic
        self._stock: dict[str, tuple[float, StockInfo]] = {}
        # What customers browse, read once per sync: products change only in `sync`
        # (this process is the database's one writer, storage/lease.py), which clears
        # it after its transaction commits. Values are tuples: callers get fresh lists.
        self._views: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self._synced = 0  # syncs committed: a read begun before one is not kept
        self.failures_in_a_row = 0
        self.last_failure = ""

    async def sync(self) -> SyncResult:
        """Mirror the supplier's catalog. Vanished products go inactive, never away.
        Counts failed syncs in a row (an empty answer is one) for the operations alerts."""
        try:
            result = await self._sync()
        except Exception as exc:
            self.failures_in_a_row += 1
            self.last_failure = type(exc).__name__
            raise
        if result.seen == 0:
            self.failures_in_a_row += 1
            self.last_failure = "empty catalog"
        else:
            self.failures_in_a_row = 0
        return result

    async def _sync(self) -> SyncResult:
        products = []
        # Top-ups too (kind=None): the bot sells them with a player id (bot/services/topups.py).
        async for product in self._supplier.iter_catalog(kind=None):
            if len(product.sku.encode()) > MAX_SKU_BYTES:
                log.warning("skipping SKU longer than %d bytes: %.64s", MAX_SKU_BYTES, product.sku)
                continue
            products.append(product)
        if not products:
            # An empty answer is far likelier a supplier fault than an empty shop.
            log.warning("supplier returned an empty catalog; keeping the current one")
            return SyncResult(seen=0, deactivated=0)
        now = self._clock()
        added = changed = 0
        async with self._db.transaction() as conn:
            repo = ProductRepository(conn)
            known = {p.sku: p for p in await repo.list_all()}
            for product in products:
                data = ProductData(
                    sku=product.sku,
                    brand=product.brand,
                    name=product.name,
                    region=product.region,
                    face_value=product.face_value.amount,
                    face_currency=product.face_value.currency,
                    redemption_instructions=product.redemption_instructions,
                    redemption_url=product.redemption_url,
                    max_quantity=product.max_quantity,
                    # Listed = on sale; the card asks for live stock.
                    active=True,
                    supplier_updated_at=product.updated_at,
                    kind=product.kind,
                )
                before = known.get(product.sku)
                if before is None:
                    added += 1
                elif _listing(before) != _listing(data):
                    changed += 1
                await repo.upsert_product(data, now)
            deactivated = await repo.deactivate_missing(p.sku for p in products)
        self._synced += 1
        self._views.clear()
        log.info(
            "catalog synced: %d products, %d added, %d changed, %d deactivated",
            len(products),
            added,
            changed,
            deactivated,
        )
        return SyncResult(seen=len(products), deactivated=deactivated, added=added, changed=changed)

    async def search(self, text: str) -> list[Product]:
        """Products on sale matching `text` (SKU, name, brand, region), for operators."""
        async with self._db.read() as conn:
            return await ProductRepository(conn).search(text.strip())

    async def regions(self) -> list[str]:
        """Regions a customer can choose: every country we sell cards for (EU as one)."""
        regions = await self._view(("regions",), lambda repo: repo.list_regions())
        return [r for r in regions if r != GLOBAL] or [GLOBAL]

    async def brands(self, customer_region: str) -> list[str]:
        return await self._view(
            ("brands", customer_region),
            lambda repo: repo.list_brands(unlocked_regions(customer_region)),
        )

    async def products(self, customer_region: str, brand: str) -> list[Product]:
        return await self._view(
            ("products", customer_region, brand),
            lambda repo: repo.list_products(unlocked_regions(customer_region), brand),
        )

    async def find_product(self, sku: str) -> Product | None:
        found = await self._view(("product", sku), _found(sku))
        return found[0] if found else None

    async def _view(
        self, key: tuple[str, ...], read: Callable[[ProductRepository], Awaitable[list[T]]]
    ) -> list[T]:
        cached = self._views.get(key)
        if cached is None:
            synced = self._synced
            async with self._db.read() as conn:
                cached = tuple(await read(ProductRepository(conn)))
            if synced == self._synced:
                self._views[key] = cached
        return list(cached)

    async def stock(self, sku: str, *, fresh: bool = False) -> StockInfo:
        """The supplier's stock plus the held codes (counted afresh: a sale or an import
        shows at once)."""
        supplier = await self._supplier_stock(sku, fresh=fresh)
        async with self._db.read() as conn:
            held = await HeldStockQueries(conn).count_sellable(sku, self._clock())
        return with_held(supplier, held)

    async def _supplier_stock(self, sku: str, *, fresh: bool = False) -> StockInfo:
        """Live stock, cached for STOCK_TTL_SECONDS; `unknown` if the supplier can't say now."""
        now = self._monotonic()
        cached = self._stock.get(sku)
        if cached and not fresh and now - cached[0] < STOCK_TTL_SECONDS:
            return cached[1]
        try:
            stock = await self._supplier.get_stock(sku, deadline=STOCK_DEADLINE_SECONDS)
        except SkuNotFound:
            info = StockInfo("out_of_stock", 0)
        except SupplierError as exc:
            log.warning("stock of %s unavailable: %s", sku, type(exc).__name__)
            return UNKNOWN_STOCK
        else:
            info = StockInfo(stock.status, stock.available)
        self._stock[sku] = (now, info)
        return info


def _found(sku: str) -> Callable[[ProductRepository], Awaitable[list[Product]]]:
    async def read(repo: ProductRepository) -> list[Product]:
        product = await repo.find_product(sku)
        return [product] if product is not None else []

    return read


def _listing(product: Product | ProductData) -> tuple[object, ...]:
    """What a customer sees of a product; a change here counts as a changed listing."""
    return (
        product.brand,
        product.name,
        product.region,
        product.face_value,
        product.face_currency,
        product.redemption_instructions,
        product.redemption_url,
        product.max_quantity,
        product.active,
        product.kind,
    )


def works_in(product_region: str, customer_region: str) -> bool:
    return product_region in unlocked_regions(customer_region)
