"""Metrics: the supplier on the wire, the outbox at scrape time, the hooks, /metrics itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendMessage
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from yarl import URL

from app.supplier_metering import MeteredSupplierClient, endpoint_of
from app.web.app import SUPPLIER_WEBHOOK_PATH, create_app
from app.web.metrics import mount_metrics
from bot.metrics import Metrics
from bot.services.payment_ledger import WATERMARK_KEY
from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.server import RunningSandbox, start_sandbox
from storage.clock import to_db, utcnow
from storage.models import OrderStatus as S
from storage.repositories import (
    CreditRepository,
    MetaRepository,
    OrderRepository,
    OutboxRepository,
    ProductRepository,
    UserRepository,
)
from storage.store import Storage
from supplier.errors import SkuNotFound, SupplierConnectionError
from supplier.settings import SANDBOX_API_KEY
from supplier.webhooks import WebhookVerifier
from tests.support.orders import new_order, product


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    value = metrics.registry.get_sample_value(name, labels)
    return None if value is None else float(value)


@pytest.fixture
async def supplier_sandbox() -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox(SandboxConfig(_env_file=None))
    yield running
    await running.close()


async def test_supplier_calls_are_timed_and_failures_counted_by_code(
    supplier_sandbox: RunningSandbox,
) -> None:
    metrics = Metrics()
    client = MeteredSupplierClient(supplier_sandbox.url, SANDBOX_API_KEY, metrics, max_retries=0)
    try:
        balance = await client.get_balance()
        with pytest.raises(SkuNotFound):
            await client.get_stock("no-such-sku")
    finally:
        await client.close()
    count = "giftbot_supplier_request_duration_seconds_count"
    assert sample(metrics, count, supplier="default", method="GET", endpoint="/v1/balance") == 1
    assert sample(metrics, count, supplier="default", method="GET", endpoint="/v1/stock") == 1
    assert (
        sample(
            metrics,
            "giftbot_supplier_errors_total",
            supplier="default",
            endpoint="/v1/stock",
            code="404",
        )
        == 1
    )
    shown = sample(
        metrics, "giftbot_supplier_balance", supplier="default", currency=balance.available.currency
    )
    assert shown == balance.available.amount / 100
    assert (
        sample(metrics, "giftbot_supplier_balance_read_timestamp_seconds", supplier="default") or 0
    ) > 0


async def test_unreachable_supplier_counts_as_connection_error() -> None:
    metrics = Metrics()
    client = MeteredSupplierClient("http://127.0.0.1:9", SANDBOX_API_KEY, metrics, max_retries=0)
    try:
        with pytest.raises(SupplierConnectionError):
            await client.get_balance()
    finally:
        await client.close()
    errors = sample(
        metrics,
        "giftbot_supplier_errors_total",
        supplier="default",
        endpoint="/v1/balance",
        code="connection",
    )
    assert errors == 1


def test_endpoint_label_drops_ids() -> None:
    assert endpoint_of(URL("http://s/v1/stock/steam-us-20")) == "/v1/stock"
    assert endpoint_of(URL("http://s/v1/orders/ord_123")) == "/v1/orders"
    assert endpoint_of(URL("http://s/health")) == "other"


def test_telegram_errors_by_method_and_429s() -> None:
    metrics = Metrics()
    method = SendMessage(chat_id=1, text="x")
    metrics.api_error("sendMessage", TelegramRetryAfter(method, "Too Many Requests", 3))
    metrics.api_error("sendMessage", TelegramServerError(method, "Bad Gateway"))
    errors = "giftbot_telegram_api_errors_total"
    assert sample(metrics, errors, method="sendMessage", error="TelegramRetryAfter") == 1
    assert sample(metrics, errors, method="sendMessage", error="TelegramServerError") == 1
    assert sample(metrics, "giftbot_telegram_retry_after_total", method="sendMessage") == 1


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.webhook_rejected("telegram", "secret")
    failed = "giftbot_webhook_verifications_failed_total"
    assert sample(first, failed, source="telegram", reason="secret") == 1
    assert sample(second, failed, source="telegram", reason="secret") is None


Scraped = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: TestClient[Any, Any]) -> Scraped:
    """GET /metrics, parsed as Prometheus would: (name, labels) -> value."""
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def at(scraped: Scraped, name: str, **labels: str) -> float:
    return scraped[(name, frozenset(labels.items()))]


async def test_metrics_endpoint_reads_the_outbox_at_scrape_time(storage: Storage) -> None:
    metrics = Metrics()
    verifier = WebhookVerifier(["whsec_" + "A" * 32])
    app = create_app(
        verifier,
        events=None,  # type: ignore[arg-type]  # no supplier event arrives in this test
        on_rejected=lambda why: metrics.webhook_rejected("supplier", why),
    )
    mount_metrics(app, metrics, storage.db, payment_currency="XTR")
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        empty = await scrape(client)
        assert at(empty, "giftbot_outbox_messages", status="pending") == 0
        assert at(empty, "giftbot_outbox_oldest_pending_age_seconds") == 0
        async with storage.db.transaction() as conn:
            outbox = OutboxRepository(conn)
            for n, minutes in enumerate((7, 2)):
                await outbox.enqueue(
                    chat_id=1,
                    kind="notice",
                    dedupe_key=f"k{n}",
                    now=utcnow() - timedelta(minutes=minutes),
                )
        forged = await client.post(SUPPLIER_WEBHOOK_PATH, data=b"{}")
        assert forged.status == 401
        after = await scrape(client)
    finally:
        await client.close()
    assert at(after, "giftbot_outbox_messages", status="pending") == 2
    assert at(after, "giftbot_outbox_messages", status="dead") == 0
    age = at(after, "giftbot_outbox_oldest_pending_age_seconds")
    assert 7 * 60 <= age < 8 * 60
    failed = "giftbot_webhook_verifications_failed_total"
    assert at(after, failed, source="supplier", reason="signature") == 1


async def test_order_metrics_follow_the_state_machine_incrementally(storage: Storage) -> None:
    metrics = Metrics()
    app = web.Application()
    mount_metrics(app, metrics, storage.db, payment_currency="XTR")
    client = TestClient(TestServer(app))
    await client.start_server()
    now = utcnow()
    paid_at = now - timedelta(seconds=4)
    try:
        async with storage.db.transaction() as conn:
            await UserRepository(conn).upsert_user(1, "Ann", "en", now)
            await ProductRepository(conn).upsert_product(product("steam-us-20"), now)
            orders = OrderRepository(conn)
            await orders.create_order(new_order("GB1"), now)
            await orders.create_order(new_order("GB2"), now)
            await orders.mark_paid(
                "GB1", telegram_charge_id="c1", provider_charge_id=None, amount=3400, now=paid_at
            )
            await CreditRepository(conn).add_credit(
                user_id=1, amount=250, currency="XTR", reason="adjustment", now=now
            )
            await MetaRepository(conn).set_value(WATERMARK_KEY, to_db(now - timedelta(seconds=90)))
        first = await scrape(client)
        async with storage.db.transaction() as conn:
            orders = OrderRepository(conn)
            await orders.transition("GB1", expected=[S.PAID], to=S.ORDERING, now=now)
            await orders.transition("GB1", expected=[S.ORDERING], to=S.DELIVERED, now=now)
        second = await scrape(client)
        third = await scrape(client)  # nothing new: nothing counted twice
    finally:
        await client.close()
    assert at(first, "giftbot_orders", status="paid") == 1
    assert at(first, "giftbot_orders", status="quoted") == 1
    assert at(first, "giftbot_order_transitions_total", **{"from": "created", "to": "quoted"}) == 2
    assert at(first, "giftbot_store_credit_outstanding") == 250
    assert 90 <= at(first, "giftbot_payment_ledger_lag_seconds") < 120
    for scraped in (second, third):
        assert at(scraped, "giftbot_orders", status="delivered") == 1
        assert (
            at(scraped, "giftbot_order_transitions_total", **{"from": "paid", "to": "ordering"})
            == 1
        )
        assert at(scraped, "giftbot_payment_to_delivery_seconds_count") == 1
        assert 3.9 <= at(scraped, "giftbot_payment_to_delivery_seconds_sum") <= 4.1
