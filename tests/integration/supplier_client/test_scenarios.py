"""The client against the real sandbox over loopback, one test per scenario SKU."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.supplier.server import RunningSandbox
from supplier import errors
from supplier.client import SupplierClient
from supplier.models import Money, Order
from supplier.retry import RetryPolicy
from tests.integration.supplier_client.receiver import WebhookReceiver
from tests.support.supplier_client import API_KEY, STARTING_BALANCE


async def available(client: SupplierClient) -> int:
    return (await client.get_balance()).available.amount


async def debits_for(client: SupplierClient, reference: str) -> list[int]:
    now = datetime.now(UTC)
    return [
        entry.amount.amount
        async for entry in client.iter_reconciliation(
            now - timedelta(days=1), now + timedelta(days=1)
        )
        if entry.reference == reference and entry.type == "debit"
    ]


async def test_catalog_lists_every_scenario_sku(client: SupplierClient) -> None:
    skus = {p.sku async for p in client.iter_catalog(brand="Sandbox", page_size=5)}
    everything = [p async for p in client.iter_catalog(page_size=7)]

    assert {
        "test-instant", "test-pending", "test-slow", "test-fail", "test-decline",
        "test-partial", "test-oos", "test-price-drift", "test-429", "test-500-committed",
        "test-refund-later", "test-webhook-chaos", "test-webhook-chaos-pending",
    } <= skus  # fmt: skip
    assert len(everything) >= 40 + len(skus)
    assert len({p.sku for p in everything}) == len(everything)  # paging neither skips nor repeats
    assert {p.region for p in everything if p.brand != "Sandbox"} >= {"US", "GB", "TR", "BR"}


async def test_instant_order_completes_with_codes_and_debits_once(
    client: SupplierClient,
) -> None:
    price = await client.get_price("test-instant")

    order = await client.create_order("test-instant", 2, "inst-1", max_unit_price=price.unit_price)

    assert order.status == "completed"
    assert order.fulfilled_quantity == 2
    assert len({code.code for code in order.codes}) == 2
    assert order.total.amount == 2 * order.unit_price.amount
    assert await available(client) == STARTING_BALANCE - order.total.amount
    # The same reference and body again: the original order, not a second charge.
    again = await client.create_order("test-instant", 2, "inst-1", max_unit_price=price.unit_price)
    assert again.order_id == order.order_id
    assert await debits_for(client, "inst-1") == [-order.total.amount]


async def test_same_reference_with_another_body_is_a_conflict(client: SupplierClient) -> None:
    await client.create_order("test-instant", 1, "inst-2")
    with pytest.raises(errors.IdempotencyConflict):
        await client.create_order("test-instant", 2, "inst-2")


async def test_pending_order_completes_later_with_a_webhook(
    client: SupplierClient, webhooks: WebhookReceiver
) -> None:
    order = await client.create_order("test-pending", 1, "pend-1")
    assert (order.status, order.codes) == ("pending", [])

    await webhooks.wait_for(lambda r: r.has("pend-1", "order.fulfilled"))

    settled = await client.get_order(order.order_id)
    assert settled.status == "completed"
    assert len(settled.codes) == 1
    assert settled.version > order.version


async def test_slow_order_times_out_and_is_recovered_by_reference(
    sandbox: RunningSandbox,
) -> None:
    retry = RetryPolicy(max_retries=1, backoff_base=0.01)
    async with SupplierClient(sandbox.url, API_KEY, timeout=0.3, retry=retry) as client:
        order = await client.create_order("test-slow", 1, "slow-1")

        assert order.reference == "slow-1"
        assert order.status == "completed"
        assert await debits_for(client, "slow-1") == [-order.total.amount]


async def test_failed_order_is_refunded_with_a_webhook(
    client: SupplierClient, webhooks: WebhookReceiver
) -> None:
    order = await client.create_order("test-fail", 2, "fail-1")
    assert order.status == "pending"
    assert await available(client) == STARTING_BALANCE - order.total.amount

    await webhooks.wait_for(lambda r: r.has("fail-1", "order.failed"))

    failed = await client.get_order(order.order_id)
    assert (failed.status, failed.codes, failed.fulfilled_quantity) == ("failed", [], 0)
    assert failed.failure_reason
    assert await available(client) == STARTING_BALANCE


async def test_declined_order_creates_nothing(client: SupplierClient) -> None:
    with pytest.raises(errors.OrderDeclined) as caught:
        await client.create_order("test-decline", 1, "decl-1")

    assert caught.value.status == 422
    assert caught.value.request_id
    assert await client.find_order_by_reference("decl-1") is None
    assert await available(client) == STARTING_BALANCE


async def test_partial_order_issues_half_and_refunds_the_rest(client: SupplierClient) -> None:
    order = await client.create_order("test-partial", 5, "part-1")

    assert order.status == "partial"
    assert order.fulfilled_quantity == 2
    assert len(order.codes) == 2
    assert await available(client) == STARTING_BALANCE - 2 * order.unit_price.amount


async def test_out_of_stock_sku(client: SupplierClient) -> None:
    stock = await client.get_stock("test-oos")
    assert stock.status == "out_of_stock"

    with pytest.raises(errors.OutOfStock):
        await client.create_order("test-oos", 1, "oos-1")
    assert await client.find_order_by_reference("oos-1") is None


async def test_price_drift_refuses_a_stale_max_unit_price(client: SupplierClient) -> None:
    first = await client.get_price("test-price-drift")
    second = await client.get_price("test-price-drift")
    assert second.unit_price.amount > first.unit_price.amount

    with pytest.raises(errors.PriceChanged):
        await client.create_order("test-price-drift", 1, "drift-1", first.unit_price)

    generous = Money(amount=second.unit_price.amount * 2, currency="USD")
    order = await client.create_order("test-price-drift", 1, "drift-2", generous)
    assert order.unit_price.amount <= generous.amount


async def test_rate_limited_sku_is_retried_after_retry_after(
    sandbox: RunningSandbox,
) -> None:
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    async with SupplierClient(sandbox.url, API_KEY, retry=RetryPolicy(sleep=record)) as client:
        stocks = [await client.get_stock("test-429") for _ in range(3)]
        order = await client.create_order("test-429", 1, "rl-1")

    assert all(stock.sku == "test-429" for stock in stocks)
    assert order.status == "completed"
    assert waits and all(wait == 0.05 for wait in waits)  # the sandbox's Retry-After


async def test_500_after_commit_is_recovered_without_a_second_order(
    client: SupplierClient,
) -> None:
    order = await client.create_order("test-500-committed", 1, "lost-1")

    assert order.reference == "lost-1"
    found = await client.find_order_by_reference("lost-1")
    assert found is not None and found.order_id == order.order_id
    assert await debits_for(client, "lost-1") == [-order.total.amount]


async def test_refund_later_order_is_refunded_with_a_webhook(
    client: SupplierClient, webhooks: WebhookReceiver
) -> None:
    order = await client.create_order("test-refund-later", 1, "rfd-1")
    assert order.status == "completed"

    await webhooks.wait_for(lambda r: r.has("rfd-1", "order.refunded"))

    refunded = await client.get_order(order.order_id)
    assert refunded.status == "refunded"
    assert await available(client) == STARTING_BALANCE


async def test_webhook_chaos_is_survived_by_dedupe_and_version_order(
    client: SupplierClient, webhooks: WebhookReceiver
) -> None:
    order = await client.create_order("test-webhook-chaos", 1, "chaos-1")

    def settled(r: WebhookReceiver) -> bool:
        ids = [d.headers["webhook-id"] for d in r.deliveries if d.event is not None]
        return len(ids) >= 4 and len(set(ids)) == 2

    await webhooks.wait_for(settled)

    refused = [d for d in webhooks.deliveries if d.event is None]
    assert len(refused) == 1 and "signature" in type(refused[0].error).__name__.lower()
    assert webhooks.deliveries[0].event is None  # the forged one came first
    arrived = [d.event.data.version for d in webhooks.deliveries if d.event is not None]
    assert arrived != sorted(arrived)  # out of order on the wire
    events = webhooks.events("chaos-1")
    assert len(events) == 2  # twice delivered, once handled
    newest = max(events, key=lambda event: event.data.version)
    assert newest.data.status == order.status == "completed"


async def test_concurrent_orders_with_one_reference_make_one_order(
    client: SupplierClient,
) -> None:
    orders: list[Order] = await asyncio.gather(
        *(client.create_order("test-instant", 1, "race-1") for _ in range(50))
    )

    assert len({order.order_id for order in orders}) == 1
    assert await debits_for(client, "race-1") == [-orders[0].total.amount]
    assert await available(client) == STARTING_BALANCE - orders[0].total.amount


async def test_wrong_api_key_is_unauthorized(sandbox: RunningSandbox) -> None:
    async with SupplierClient(sandbox.url, "wrong-key") as client:
        with pytest.raises(errors.Unauthorized):
            await client.get_balance()


async def test_unknown_sku_and_order(client: SupplierClient) -> None:
    with pytest.raises(errors.SkuNotFound):
        await client.get_stock("no-such-sku")
    with pytest.raises(errors.OrderNotFound):
        await client.get_order("ord_missing")


async def test_short_deadline_on_a_healthy_sandbox_still_answers(client: SupplierClient) -> None:
    stock = await client.get_stock("test-instant", deadline=2.5)
    price = await client.get_price("test-instant", deadline=2.5)
    assert stock.sku == price.sku == "test-instant"
