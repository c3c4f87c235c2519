"""What operators ask about supply: the supplier balance and its cover, stock, catalog sync."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from babel.numbers import get_currency_precision

from bot.services.catalog import CatalogService, StockInfo, SyncResult
from storage.clock import utcnow
from storage.database import Database
from storage.models import Product
from storage.repositories.reports import ReportRepository
from supplier import models as wire
from supplier.router import SupplierRouter

SPEND_WINDOW = timedelta(days=7)
STOCK_PAGE_SIZE = 10
# Stock is asked of the supplier per SKU: a query matching more than this asks for
# the first ones only and says so.
MAX_STOCK_LOOKUPS = 60
STOCK_CONCURRENCY = 8
# Out of stock first, then low, then what the supplier could not say, then the rest.
_STOCK_ORDER = {"out_of_stock": 0, "low": 1, "unknown": 2, "in_stock": 3}


class BalanceSource(Protocol):
    async def get_balance(self, *, deadline: float | None = None) -> wire.Balance: ...


def to_minor(amount: Decimal, currency: str) -> int:
    """A decimal amount in the currency's minor units (LOW_BALANCE_ALERT is in major)."""
    digits = get_currency_precision(currency)
    return int(amount.scaleb(digits).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class SupplierBalance:
    """One supplier's balance, of several (SUPPLIERS_FILE); `error` when it did not say."""

    name: str
    available: int | None
    currency: str | None
    error: str | None
    skipped: bool  # its circuit breaker is open: orders pass it by for now


@dataclass(frozen=True, slots=True)
class BalanceReport:
    available: int
    reserved: int
    currency: str
    threshold: int  # LOW_BALANCE_ALERT in minor units
    spend_7d: int  # wholesale spend of our paid orders in the last 7 days
    updated_at: datetime
    suppliers: tuple[SupplierBalance, ...] = ()  # each one, when there are several

    @property
    def below_threshold(self) -> bool:
        return self.available < self.threshold

    @property
    def days_of_cover(self) -> Decimal | None:
        """Days the available balance lasts at the last week's pace; None without spend."""
        if self.spend_7d <= 0:
            return None
        per_day = Decimal(self.spend_7d) / SPEND_WINDOW.days
        return (Decimal(self.available) / per_day).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class StockLine:
    product: Product
    stock: StockInfo


@dataclass(frozen=True, slots=True)
class StockReport:
    lines: list[StockLine]  # sorted: out of stock, low, unknown, in stock
    matched: int  # products matching the query (lines may hold fewer)

    def page(self, number: int) -> list[StockLine]:
        start = number * STOCK_PAGE_SIZE
        return self.lines[start : start + STOCK_PAGE_SIZE]

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.lines) // STOCK_PAGE_SIZE))


class SupplyService:
    def __init__(
        self,
        db: Database,
        supplier: BalanceSource,
        catalog: CatalogService,
        *,
        low_balance_alert: Decimal,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._supplier = supplier
        self._catalog = catalog
        self._low_balance_alert = low_balance_alert
        self._clock = clock

    async def balance(self) -> BalanceReport:
        balance = await self._supplier.get_balance()
        currency = balance.available.currency
        async with self._db.read() as conn:
            spend = await ReportRepository(conn).wholesale_spend(
                currency, self._clock() - SPEND_WINDOW
            )
        return BalanceReport(
            available=balance.available.amount,
            reserved=balance.reserved.amount,
            currency=currency,
            threshold=to_minor(self._low_balance_alert, currency),
            spend_7d=spend,
            updated_at=balance.updated_at,
            suppliers=await self._each_supplier(),
        )

    async def _each_supplier(self) -> tuple[SupplierBalance, ...]:
        router = self._supplier
        if not isinstance(router, SupplierRouter) or len(router.members) < 2:
            return ()
        answers = await router.balances()
        now = self._clock()
        out = []
        for member in router.members:
            answer = answers[member.name]
            skipped = not member.breaker.allows(now)
            if isinstance(answer, wire.Balance):
                out.append(
                    SupplierBalance(
                        member.name,
                        answer.available.amount,
                        answer.available.currency,
                        None,
                        skipped,
                    )
                )
            else:
                out.append(SupplierBalance(member.name, None, None, type(answer).__name__, skipped))
        return tuple(out)

    async def stock(self, query: str, *, fresh: bool = True) -> StockReport:
        """Stock of the synced products matching `query` (SKU, name, brand or region)."""
        products = await self._catalog.search(query)
        wanted = products[:MAX_STOCK_LOOKUPS]
        gate = asyncio.Semaphore(STOCK_CONCURRENCY)

        async def look(product: Product) -> StockLine:
            async with gate:
                return StockLine(product, await self._catalog.stock(product.sku, fresh=fresh))

        lines = await asyncio.gather(*(look(product) for product in wanted))
        lines.sort(key=lambda line: (_STOCK_ORDER.get(line.stock.status, 2), line.product.sku))
        return StockReport(lines=lines, matched=len(products))

    async def sync(self) -> SyncResult:
        return await self._catalog.sync()
