"""The bot's Prometheus metrics: one registry per app (tests run many apps in one process,
so nothing goes in prometheus_client's global registry), the metric objects, and the hooks
the rest of the bot calls. Each metric is described in docs/operations.md.
"""

from __future__ import annotations

from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

SUPPLIER_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry

        # --- the supplier (measured on the wire: supplier/ knows nothing of metrics) ---
        self.supplier_request_seconds = Histogram(
            "giftbot_supplier_request_duration_seconds",
            "Supplier API requests, until the response headers (each retry counts)",
            ["supplier", "method", "endpoint"],
            buckets=SUPPLIER_LATENCY_BUCKETS,
            registry=r,
        )
        self.supplier_errors = Counter(
            "giftbot_supplier_errors",
            "Supplier API requests that failed, by HTTP status or 'timeout' / 'connection'",
            ["supplier", "endpoint", "code"],
            registry=r,
        )
        self.supplier_balance = Gauge(
            "giftbot_supplier_balance",
            "Supplier account balance available, in major units, as last read",
            ["supplier", "currency"],
            registry=r,
        )
        self.supplier_balance_read = Gauge(
            "giftbot_supplier_balance_read_timestamp_seconds",
            "When the supplier balance was last read (Unix time)",
            ["supplier"],
            registry=r,
        )

        # --- webhooks into the bot ---
        self.webhook_verifications_failed = Counter(
            "giftbot_webhook_verifications_failed",
            "Webhook requests refused: bad signature / secret or not an event",
            ["source", "reason"],
            registry=r,
        )

        # --- the Telegram Bot API ---
        self.telegram_api_errors = Counter(
            "giftbot_telegram_api_errors",
            "Bot API calls that failed, by method and error class",
            ["method", "error"],
            registry=r,
        )
        self.telegram_flood_waits = Counter(
            "giftbot_telegram_retry_after",
            "Bot API calls answered 429 (flood control), by method",
            ["method"],
            registry=r,
        )

        # The order state machine's metrics are read from its tables at scrape time:
        # app/web/order_metrics.py.

    # --- hooks ---

    def api_error(self, method: str, error: TelegramAPIError) -> None:
        """`bot.middlewares.retry_after.CallObserver`: every failed Bot API call."""
        self.telegram_api_errors.labels(method, type(error).__name__).inc()
        if isinstance(error, TelegramRetryAfter):
            self.telegram_flood_waits.labels(method).inc()

    def webhook_rejected(self, source: str, reason: str) -> None:
        self.webhook_verifications_failed.labels(source, reason).inc()
