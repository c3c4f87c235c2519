"""/stats: what a period sold, what it cost, how often it failed, how fast it delivered."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bot.services.pricing import STARS
from storage.clock import utcnow
from storage.database import Database
from storage.models import OrderStatus
from storage.repositories.reports import ReportRepository

S = OrderStatus
PERIODS = ("today", "7d", "30d")
IN_FLIGHT = frozenset({S.PAID, S.ORDERING, S.PENDING})


def period_start(period: str, now: datetime) -> datetime:
    """'today' = since midnight UTC; '7d'/'30d' = the last 7 or 30 days. ValueError else."""
    if period == "today":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period in ("7d", "30d"):
        return now - timedelta(days=int(period[:-1]))
    raise ValueError(f"period must be one of {', '.join(PERIODS)}")


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of sorted `values`; None for none."""
    if not values:
        return None
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


@dataclass(frozen=True, slots=True)
class Stats:
    period: str
    start: datetime
    end: datetime
    currency: str
    orders: int  # paid in the period
    gross: int  # price of those orders, payment currency
    given_back: int  # refunded, or credited for unfilled units
    revenue_usd: Decimal  # what was kept, in USD
    wholesale: int  # what the supplier kept, account currency minor units
    wholesale_currency: str
    failed: int  # nothing delivered (refunded, refund due, or with a person)
    refunded: int
    p50_seconds: float | None
    p95_seconds: float | None

    @property
    def revenue(self) -> int:
        return self.gross - self.given_back

    @property
    def margin_usd(self) -> Decimal:
        return self.revenue_usd - Decimal(self.wholesale).scaleb(-2)

    def rate(self, count: int) -> Decimal:
        if not self.orders:
            return Decimal(0)
        return (Decimal(100 * count) / self.orders).quantize(Decimal("0.1"))


class StatsService:
    def __init__(
        self,
        db: Database,
        *,
        star_usd_rate: Decimal,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._rate = star_usd_rate
        self._clock = clock

    async def compute(self, period: str) -> Stats:
        end = self._clock()
        start = period_start(period, end)
        async with self._db.read() as conn:
            reports = ReportRepository(conn)
            orders = await reports.orders_paid_between(start, end)
            times = await reports.delivery_times(start, end)
        currency = orders[0].currency if orders else STARS
        gross = given_back = wholesale = failed = refunded = 0
        for order in orders:
            gross += order.total_price
            if order.status in (S.REFUNDED, S.REFUND_DUE):
                given_back += order.total_price
                refunded += 1
            else:
                given_back += order.credited_amount
            delivered = order.fulfilled_quantity > 0
            if not delivered and order.status not in IN_FLIGHT:
                failed += 1
            if order.supplier_status != "refunded":
                wholesale += order.wholesale_unit_price * order.fulfilled_quantity
        revenue = gross - given_back
        usd = Decimal(revenue) * self._rate if currency == STARS else Decimal(revenue).scaleb(-2)
        return Stats(
            period=period,
            start=start,
            end=end,
            currency=currency,
            orders=len(orders),
            gross=gross,
            given_back=given_back,
            revenue_usd=usd.quantize(Decimal("0.01")),
            wholesale=wholesale,
            wholesale_currency=orders[0].wholesale_currency if orders else "USD",
            failed=failed,
            refunded=refunded,
            p50_seconds=percentile(times, 0.5),
            p95_seconds=percentile(times, 0.95),
        )
