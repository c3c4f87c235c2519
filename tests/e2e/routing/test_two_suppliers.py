"""Issue 12's routing, end to end: two real sandbox supplier processes behind one real bot,
customers buying in the web chat's sandbox, each supplier checked over its own HTTP API."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import aiohttp
from standardwebhooks import Webhook

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import end
from tests.support.shopper import Checkout, Shopper
from tests.support.two_suppliers import JSON, Network, SupplierHttp, secret


async def bought(telegram: SandboxClient, sku: str, brand: str) -> Checkout:
    """A new customer buys one `sku` and gets the delivery message."""
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout(sku, brand)
    assert (await shopper.pay(checkout)).status == "paid"
    await shopper.delivery(checkout)
    return checkout


async def test_the_cheaper_supplier_wins(
    telegram: SandboxClient, suppliers: dict[str, SupplierHttp]
) -> None:
    alpha, beta = suppliers["alpha"], suppliers["beta"]
    assert await alpha.price("test-instant") < await beta.price("test-instant")
    checkout = await bought(telegram, "test-instant", "Sandbox")
    placed = await alpha.order(f"{checkout.order_id}-1")
    assert placed is not None and placed["status"] == "completed"
    assert await beta.order(f"{checkout.order_id}-1") is None


async def test_out_of_stock_at_the_first_is_fulfilled_by_the_second(
    telegram: SandboxClient, suppliers: dict[str, SupplierHttp]
) -> None:
    alpha, beta = suppliers["alpha"], suppliers["beta"]
    await alpha.set_stock("steam-us-20", 0)
    checkout = await bought(telegram, "steam-us-20", "Steam")
    placed = await beta.order(f"{checkout.order_id}-1")
    assert placed is not None and placed["status"] == "completed"
    for n in (1, 2):
        assert await alpha.order(f"{checkout.order_id}-{n}") is None, "no order at the first"


async def test_each_suppliers_webhooks_are_verified_with_its_own_secret(
    network: Network, telegram: SandboxClient, suppliers: dict[str, SupplierHttp]
) -> None:
    alpha, beta = suppliers["alpha"], suppliers["beta"]
    seen = {name: len(await s.webhook_deliveries()) for name, s in suppliers.items()}
    # One order at each: test-pending at alpha (cheaper), steam-us-20 at beta (alpha has none).
    await alpha.set_stock("steam-us-20", 0)
    at_alpha = await bought(telegram, "test-pending", "Sandbox")
    at_beta = await bought(telegram, "steam-us-20", "Steam")
    assert await alpha.order(f"{at_alpha.order_id}-1") is not None
    assert await beta.order(f"{at_beta.order_id}-1") is not None
    for name, supplier in suppliers.items():
        fresh = await fulfilled_deliveries(supplier, after=seen[name])
        # Each supplier posts to its own path, signed with its own secret: all taken.
        assert all(str(d["url"]).endswith(f"/supplier/webhook/{name}") for d in fresh)
        assert all(d["status_code"] == 200 for d in fresh), fresh
    body = json.dumps(
        {
            "type": "order.fulfilled",
            "timestamp": "2026-11-26T10:00:00Z",
            "data": {
                "order_id": "x",
                "reference": f"{at_alpha.order_id}-1",
                "status": "completed",
                "version": 99,
            },
        }
    ).encode()
    base = f"{network.stack.bot_url}/supplier/webhook"
    async with aiohttp.ClientSession() as http:
        forged = await http.post(f"{base}/alpha", data=body, headers=signed(body, secret("beta")))
        crossed = await http.post(f"{base}/beta", data=body, headers=signed(body, secret("alpha")))
        no_default = await http.post(base, data=body, headers=signed(body, secret("alpha")))
    assert (forged.status, crossed.status, no_default.status) == (401, 401, 404)


async def fulfilled_deliveries(supplier: SupplierHttp, *, after: int) -> list[JSON]:
    """The supplier's webhook deliveries since `after`, once an order.fulfilled is among
    them. No event crosses the process boundary: polled, within a bound."""
    deadline = time.monotonic() + 30
    while True:
        fresh = (await supplier.webhook_deliveries())[after:]
        if any(d["type"] == "order.fulfilled" and d["status_code"] for d in fresh):
            return fresh
        assert time.monotonic() < deadline, f"no order.fulfilled delivered: {fresh}"
        await asyncio.sleep(0.1)


async def test_the_first_supplier_down_fails_over_to_the_second(
    network: Network, telegram: SandboxClient, suppliers: dict[str, SupplierHttp]
) -> None:
    # Last in this file: alpha's breaker stays open for its cool-down after this.
    assert end(network.stack, "alpha") == 0
    try:
        checkout = await bought(telegram, "test-instant", "Sandbox")
        placed = await suppliers["beta"].order(f"{checkout.order_id}-1")
        assert placed is not None and placed["status"] == "completed"
    finally:
        network.start_supplier("alpha")
    assert await suppliers["alpha"].order(f"{checkout.order_id}-1") is None


def signed(body: bytes, key: str) -> dict[str, str]:
    moment = datetime.now(UTC)
    msg_id = f"msg_e2e_{time.monotonic_ns()}"
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(key).sign(msg_id=msg_id, timestamp=moment, data=body.decode()),
        "content-type": "application/json",
    }
