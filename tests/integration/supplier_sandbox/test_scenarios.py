"""The scenario SKUs, one behaviour each, as the server shows them."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from supplier.models import Order, WebhookEvent
from tests.support.supplier_sandbox import AUTH, Client, Receiver, balance, call, place


def events(receiver: Receiver) -> list[WebhookEvent]:
    return [WebhookEvent.model_validate_json(r.body) for r in receiver.requests]


async def test_instant(client: Client) -> None:
    order = Order.model_validate(await place(client, "test-instant", "i", 2))
    assert order.status == "completed" and order.version == 2
    assert [c.code.startswith("TEST-") for c in order.codes] == [True, True]


async def test_pending_completes_later_with_webhooks(hooked: Client, receiver: Receiver) -> None:
    order = Order.model_validate(await place(hooked, "test-pending", "p", 2))
    assert order.status == "pending" and order.codes == [] and order.version == 1
    await receiver.wait_for_count(2)
    assert [(e.type, e.data.version) for e in events(receiver)] == [
        ("order.created", 1),
        ("order.fulfilled", 2),
    ]
    done = Order.model_validate(await call(hooked, "GET", f"/v1/orders/{order.order_id}"))
    assert done.status == "completed" and len(done.codes) == 2 and done.version == 2
    balance_body = await call(hooked, "GET", "/v1/balance")
    assert balance_body["reserved"]["amount"] == 0


async def test_pending_order_is_reserved_until_settled(client: Client) -> None:
    order = await place(client, "test-pending", "r", 3)
    body = await call(client, "GET", "/v1/balance")
    assert body["reserved"]["amount"] == order["total"]["amount"]


async def test_fail_refunds_everything(hooked: Client, receiver: Receiver) -> None:
    start = await balance(hooked)
    order = Order.model_validate(await place(hooked, "test-fail", "f", 2))
    assert order.status == "pending"
    assert await balance(hooked) == start - order.total.amount
    await receiver.wait_for_count(2)
    assert [e.type for e in events(receiver)] == ["order.created", "order.failed"]
    failed = Order.model_validate(await call(hooked, "GET", "/v1/orders?reference=f"))
    assert failed.status == "failed" and failed.codes == [] and failed.failure_reason
    assert await balance(hooked) == start


async def test_decline_creates_nothing(client: Client) -> None:
    body = await place(client, "test-decline", "d", expect=422)
    assert body["error"] == {**body["error"], "code": "order_declined", "retryable": False}
    await call(client, "GET", "/v1/orders?reference=d", expect=404)


@pytest.mark.parametrize(("quantity", "issued", "status"), [(5, 2, "partial"), (1, 0, "failed")])
async def test_partial_issues_half_and_refunds_the_rest(
    client: Client, quantity: int, issued: int, status: str
) -> None:
    start = await balance(client)
    order = Order.model_validate(await place(client, "test-partial", "x", quantity))
    assert order.status == status
    assert order.fulfilled_quantity == len(order.codes) == issued
    assert await balance(client) == start - issued * order.unit_price.amount


async def test_oos(client: Client) -> None:
    body = await place(client, "test-oos", "o", expect=409)
    assert body["error"]["code"] == "out_of_stock"


async def test_price_drift_rises_per_read_and_stale_limits_fail(client: Client) -> None:
    first = await call(client, "GET", "/v1/prices/test-price-drift")
    second = await call(client, "GET", "/v1/prices/test-price-drift")
    p1, p2 = first["unit_price"]["amount"], second["unit_price"]["amount"]
    assert p2 > p1 and abs(p2 - p1 * 1.01) <= 1  # +1 % (compounded from the base)
    stale = await place(
        client, "test-price-drift", "s", max_unit_price=first["unit_price"], expect=409
    )
    assert stale["error"]["code"] == "price_changed"
    fresh = await place(client, "test-price-drift", "f", max_unit_price=second["unit_price"])
    assert fresh["unit_price"]["amount"] == p2


async def test_429_every_other_call(client: Client) -> None:
    statuses = []
    for _ in range(4):
        async with client.get("/v1/stock/test-429", headers=AUTH) as resp:
            statuses.append(resp.status)
            if resp.status == 429:
                assert resp.headers["Retry-After"] == "0.01"
                body = await resp.json()
                assert body["error"]["code"] == "rate_limited" and body["error"]["retryable"]
    assert statuses == [429, 200, 429, 200]
    limited = await place(client, "test-429", "t", expect=429)
    assert limited["error"]["code"] == "rate_limited"
    await place(client, "test-429", "t", expect=201)


async def test_500_committed_is_recoverable_by_reference(client: Client) -> None:
    start = await balance(client)
    body = await place(client, "test-500-committed", "c", 2, expect=502)
    assert body["error"]["retryable"] is True
    found = Order.model_validate(await call(client, "GET", "/v1/orders?reference=c"))
    assert found.status == "completed" and len(found.codes) == 2
    retried = await place(client, "test-500-committed", "c", 2, expect=200)
    assert Order.model_validate(retried) == found
    assert await balance(client) == start - found.total.amount


async def test_slow_outlasts_a_client_timeout_but_the_order_exists(client: Client) -> None:
    with pytest.raises(TimeoutError):
        await client.post(
            "/v1/orders",
            headers=AUTH,
            data=json.dumps({"sku": "test-slow", "quantity": 1, "reference": "slow"}),
            timeout=aiohttp.ClientTimeout(total=0.1),
        )
    found = await call(client, "GET", "/v1/orders?reference=slow")
    assert found["status"] == "completed"
    loop = asyncio.get_running_loop()
    started = loop.time()
    await place(client, "test-slow", "slow-2")
    assert loop.time() - started >= 0.3  # slow_delay_seconds in the test config


async def test_refund_later(hooked: Client, receiver: Receiver) -> None:
    start = await balance(hooked)
    order = Order.model_validate(await place(hooked, "test-refund-later", "rl", 2))
    assert order.status == "completed"
    await receiver.wait_for_count(3)
    assert [e.type for e in events(receiver)] == [
        "order.created",
        "order.fulfilled",
        "order.refunded",
    ]
    refunded = Order.model_validate(await call(hooked, "GET", "/v1/orders?reference=rl"))
    assert refunded.status == "refunded" and refunded.version == 3
    assert await balance(hooked) == start
