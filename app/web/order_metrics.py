"""Order metrics read from the database at scrape time: orders by status, every transition,
payment→delivery latency, the store credit owed to customers, and how far behind the Stars
ledger's walk is.

Reading the tables (not hooks in the services) keeps one source of truth: the figures agree
with the state machine whatever path moved an order, and a restart loses nothing. The
transition counter and the latency histogram advance incrementally from the last timeline
row seen, so a scrape costs a few new rows, not the whole history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import Histogram
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import CollectorRegistry

from bot.services.payment_ledger import WATERMARK_KEY
from bot.services.pricing import STARS
from storage.clock import from_db, utcnow
from storage.database import Database
from storage.models import OrderStatus
from storage.repositories import CreditRepository, MetaRepository, OrderRepository

DELIVERY_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0)
_DELIVERED = (OrderStatus.DELIVERED, OrderStatus.PARTIAL)


class OrderCollector:
    def __init__(self, registry: CollectorRegistry, payment_currency: str) -> None:
        self._currency = payment_currency
        self._last_id = 0
        self._transitions: Counter[tuple[str, str]] = Counter()
        self._by_status: dict[OrderStatus, int] = {}
        self._credit = 0
        self._ledger_lag: float | None = None
        self.delivery_seconds = Histogram(
            "giftbot_payment_to_delivery_seconds",
            "From the payment to the codes being stored and queued for the customer",
            buckets=DELIVERY_BUCKETS,
            registry=registry,
        )
        registry.register(self)

    async def refresh(self, db: Database) -> None:
        async with db.read() as conn:
            orders = OrderRepository(conn)
            self._by_status = await orders.count_by_status()
            new = await orders.transitions_after(self._last_id)
            self._credit = await CreditRepository(conn).outstanding(self._currency)
            watermark = await MetaRepository(conn).find_value(WATERMARK_KEY)
        if self._currency == STARS and watermark is not None:
            self._ledger_lag = max(0.0, (utcnow() - from_db(watermark)).total_seconds())
        for row_id, move, paid_at in new:
            self._last_id = row_id
            source = move.from_status.value if move.from_status else "created"
            self._transitions[(source, move.to_status.value)] += 1
            if move.to_status in _DELIVERED and paid_at is not None:
                self.delivery_seconds.observe(max(0.0, (move.at - paid_at).total_seconds()))

    def collect(self) -> Iterator[Metric]:
        orders = GaugeMetricFamily("giftbot_orders", "Orders by status", labels=["status"])
        for status in OrderStatus:
            orders.add_metric([status.value], self._by_status.get(status, 0))
        yield orders
        moves = CounterMetricFamily(
            "giftbot_order_transitions",
            "Order state changes, from → to ('created' for a new quote)",
            labels=["from", "to"],
        )
        for (source, target), count in sorted(self._transitions.items()):
            moves.add_metric([source, target], count)
        yield moves
        if self._ledger_lag is not None:
            yield GaugeMetricFamily(
                "giftbot_payment_ledger_lag_seconds",
                "Age of the Stars ledger's watermark: every payment before it is settled here",
                value=self._ledger_lag,
            )
        yield GaugeMetricFamily(
            "giftbot_store_credit_outstanding",
            "Store credit owed to customers, in the payment currency's minor units",
            value=self._credit,
            labels=None,
        )
