"""`GET /metrics` in Prometheus' text format, from the app's own registry.

The outbox gauges are read from the database at scrape time (prometheus_client's collectors
are synchronous, the database is not: the handler reads, then the collector reports it).
"""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.web.order_metrics import OrderCollector
from bot.metrics import Metrics
from storage.clock import utcnow
from storage.database import Database
from storage.repositories.outbox import OutboxDepth, OutboxRepository

METRICS_PATH = "/metrics"


class OutboxCollector(Collector):
    def __init__(self) -> None:
        self.depth: OutboxDepth | None = None
        self.oldest_age: float = 0.0

    async def refresh(self, db: Database) -> None:
        async with db.read() as conn:
            self.depth = await OutboxRepository(conn).depth()
        oldest = self.depth.oldest_pending
        self.oldest_age = (utcnow() - oldest).total_seconds() if oldest else 0.0

    def collect(self) -> Iterator[Metric]:
        if self.depth is None:
            return
        messages = GaugeMetricFamily(
            "giftbot_outbox_messages", "Outbox messages by status", labels=["status"]
        )
        messages.add_metric(["pending"], self.depth.pending)
        messages.add_metric(["dead"], self.depth.dead)
        yield messages
        yield GaugeMetricFamily(
            "giftbot_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting to be sent (0 when none waits)",
            value=self.oldest_age,
        )


def mount_metrics(
    app: web.Application, metrics: Metrics, db: Database, *, payment_currency: str
) -> None:
    outbox = OutboxCollector()
    metrics.registry.register(outbox)
    orders = OrderCollector(metrics.registry, payment_currency)

    async def scrape(request: web.Request) -> web.Response:
        await outbox.refresh(db)
        await orders.refresh(db)
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app.router.add_get(METRICS_PATH, scrape)
