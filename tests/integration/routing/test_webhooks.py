"""Each supplier's webhooks at /supplier/webhook/<name>, verified with its own secret and
mapped back to our order through the attempt's reference."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from app.web.app import SUPPLIER_WEBHOOK_PATH, create_app
from bot.services.supplier_events import SupplierEvents
from storage.models import OrderStatus
from supplier.webhooks import WebhookVerifier
from tests.support.routing import KEYS, Network, secret
from tests.support.webhook_signing import signed_headers


@pytest.fixture
def webhook_base(listener_socket: socket.socket) -> str:
    return f"http://127.0.0.1:{listener_socket.getsockname()[1]}{SUPPLIER_WEBHOOK_PATH}"


@pytest.fixture
async def listening(
    network: Network, listener_socket: socket.socket, webhook_base: str
) -> AsyncIterator[str]:
    events = SupplierEvents(network.shop.storage.db, network.shop.fulfilment)
    verifiers = {name: WebhookVerifier([secret(name)]) for name in KEYS}
    runner = web.AppRunner(create_app(None, events, verifiers=verifiers))
    await runner.setup()
    await web.SockSite(runner, listener_socket).start()
    yield webhook_base
    await events.close()
    await runner.cleanup()


def signed(body: bytes, key: str, msg_id: str) -> dict[str, str]:
    return signed_headers(body, msg_id, key)


def event(reference: str, order_id: str = "x") -> bytes:
    data = {"order_id": order_id, "reference": reference, "status": "completed", "version": 9}
    body = {"type": "order.fulfilled", "timestamp": "2026-11-26T10:00:00Z", "data": data}
    return json.dumps(body).encode()


async def test_a_pending_order_is_delivered_by_its_suppliers_webhook(
    network: Network, listening: str
) -> None:
    order = await network.shop.paid_order("test-pending")
    pending = await network.shop.fulfilment.fulfil(order.id)
    assert pending.status is OrderStatus.PENDING
    assert [a.supplier for a in await network.attempts(order.id)] == ["beta"]
    # No recovery pass: only beta's order.fulfilled webhook, at /supplier/webhook/beta.
    woken = network.shop.outbox_woken
    async with asyncio.timeout(10):
        while (await network.shop.order(order.id)).status is OrderStatus.PENDING:
            await woken.wait()
            woken.clear()
    assert (await network.shop.order(order.id)).status is OrderStatus.DELIVERED


async def test_each_path_takes_only_its_own_suppliers_signature(
    network: Network, listening: str
) -> None:
    order = await network.shop.paid_order("test-pending")
    await network.shop.fulfilment.fulfil(order.id)
    reference = (await network.attempts(order.id))[-1].reference
    body = event(reference)
    async with aiohttp.ClientSession() as http:
        # beta's event signed with alpha's secret: forged, as far as beta's path knows.
        forged = await http.post(
            f"{listening}/beta", data=body, headers=signed(body, secret("alpha"), "msg_1")
        )
        unknown = await http.post(
            f"{listening}/gamma", data=body, headers=signed(body, secret("beta"), "msg_2")
        )
    assert (forged.status, unknown.status) == (401, 404)
    # Correctly signed by alpha, but the attempt is beta's: not applied.
    fulfilment = network.shop.fulfilment
    assert await fulfilment.on_supplier_update(reference, "x", 9, supplier="alpha") is None
    # Beta's own event for it is news (its real order id; the sandbox may have sent it too).
    beta = await network.order_at("beta", reference)
    assert beta is not None
    applied = await fulfilment.on_supplier_update(reference, beta.order_id, supplier="beta")
    assert applied is not None and applied.id == order.id


async def test_webhook_ids_are_deduplicated_per_supplier(network: Network, listening: str) -> None:
    # Each supplier numbers its own webhooks: alpha's msg_1 and beta's msg_1 are two events.
    async with aiohttp.ClientSession() as http:
        answers = []
        for name in ("alpha", "beta", "alpha"):
            body = event(f"GBX-{name}")
            response = await http.post(
                f"{listening}/{name}", data=body, headers=signed(body, secret(name), "msg_1")
            )
            assert response.status == 200
            answers.append((await response.json())["duplicate"])
    assert answers == [False, False, True], "only alpha's own replay is a duplicate"
    async with network.shop.storage.db.read() as conn:
        cursor = await conn.execute("SELECT supplier, event_id FROM supplier_events ORDER BY 1")
        rows = [tuple(row) for row in await cursor.fetchall()]
    assert rows == [("alpha", "msg_1"), ("beta", "msg_1")]
