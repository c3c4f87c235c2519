"""Supplier webhooks through the bot's HTTP listener: verified, deduplicated, applied."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from app.web.app import SUPPLIER_WEBHOOK_PATH, create_app
from bot.services.supplier_events import SupplierEvents
from sandbox.supplier.server import RunningSandbox
from sandbox.supplier.service import SERVICE_KEY
from storage.models import Order, OrderStatus
from storage.repositories import (
    CodeRepository,
    OrderRepository,
    OutboxRepository,
    SupplierEventRepository,
)
from storage.repositories.supplier_attempts import SupplierAttemptRepository
from supplier.webhooks import WebhookVerifier
from tests.support.shop import WEBHOOK_SECRET, Shop
from tests.support.webhook_signing import signed_headers


@pytest.fixture
def supplier_webhook_url(listener_socket: socket.socket) -> str:
    return f"http://127.0.0.1:{listener_socket.getsockname()[1]}{SUPPLIER_WEBHOOK_PATH}"


@dataclass
class Wired:
    shop: Shop
    url: str


@pytest.fixture
async def wired(
    shop: Shop, listener_socket: socket.socket, supplier_webhook_url: str
) -> AsyncIterator[Wired]:
    """The shop behind the bot's own HTTP listener, which the sandbox posts to."""
    events = SupplierEvents(shop.storage.db, shop.fulfilment)
    runner = web.AppRunner(create_app(WebhookVerifier([WEBHOOK_SECRET]), events))
    await runner.setup()
    await web.SockSite(runner, listener_socket).start()
    yield Wired(shop, supplier_webhook_url)
    await events.close()
    await runner.cleanup()


async def test_pending_order_is_delivered_by_the_webhook(wired: Wired) -> None:
    order = await wired.shop.paid_order("test-pending")
    assert (await wired.shop.fulfilment.fulfil(order.id)).status is OrderStatus.PENDING
    woken = wired.shop.outbox_woken
    woken.clear()
    # No recovery pass runs here: only the supplier's order.fulfilled webhook moves it.
    async with asyncio.timeout(10):
        while (await wired.shop.order(order.id)).status is OrderStatus.PENDING:
            await woken.wait()
            woken.clear()
    assert (await wired.shop.order(order.id)).status is OrderStatus.DELIVERED


async def test_forged_stale_and_replayed_webhooks_change_nothing(wired: Wired) -> None:
    order = await wired.shop.paid_order("test-instant")
    body = json.dumps(
        {
            "type": "order.fulfilled",
            "timestamp": "2026-11-26T10:00:00Z",
            "data": {"order_id": "x", "reference": order.id, "status": "completed", "version": 9},
        }
    ).encode()
    other = "whsec_" + base64.b64encode(b"someone-elses-secret-key").decode()
    async with aiohttp.ClientSession() as http:
        forged = await http.post(wired.url, data=body, headers=signed_headers(body, "msg_f", other))
        stale = await http.post(
            wired.url, data=body, headers=signed_headers(body, "msg_s", at=time.time() - 3600)
        )
        unsigned = await http.post(wired.url, data=body)
        garbage = b"{not json"
        malformed = await http.post(
            wired.url, data=garbage, headers=signed_headers(garbage, "msg_g")
        )
    assert (forged.status, stale.status, unsigned.status, malformed.status) == (401, 401, 401, 400)
    untouched = await wired.shop.order(order.id)
    assert untouched.status is OrderStatus.PAID and untouched.version == order.version
    async with wired.shop.storage.db.read() as conn:
        assert await OutboxRepository(conn).list_for_order(order.id) == []
        cursor = await conn.execute("SELECT count(*) FROM supplier_events")
        row = await cursor.fetchone()
    assert row is not None and row[0] == 0


async def test_a_replayed_event_id_is_acknowledged_once(wired: Wired) -> None:
    order = await wired.shop.paid_order("test-instant")
    body = json.dumps(
        {
            "type": "order.created",
            "timestamp": "2026-11-26T10:00:00Z",
            "data": {"order_id": "x", "reference": order.id, "status": "pending", "version": 1},
        }
    ).encode()
    headers = signed_headers(body, "msg_dup")
    async with aiohttp.ClientSession() as http:
        first = await (await http.post(wired.url, data=body, headers=headers)).json()
        second = await (await http.post(wired.url, data=body, headers=headers)).json()
    assert (first["duplicate"], second["duplicate"]) == (False, True)


async def test_chaotic_webhooks_on_a_pending_order_deliver_once(
    wired: Wired, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """test-webhook-chaos-pending: the order is pending when its events arrive, forged
    first, newest first, then all again; no recovery pass runs, only webhooks move it."""
    fulfilment = wired.shop.fulfilment
    handled: list[int] = []
    progress = asyncio.Condition()
    apply_update = fulfilment.on_supplier_update

    async def counted(
        reference: str,
        supplier_order_id: str,
        version: int | None = None,
        *,
        supplier: str | None = None,
    ) -> Order | None:
        order = await apply_update(reference, supplier_order_id, version, supplier=supplier)
        async with progress:
            handled.append(order.supplier_version if order else -1)
            progress.notify_all()
        return order

    monkeypatch.setattr(fulfilment, "on_supplier_update", counted)
    order = await wired.shop.paid_order("test-webhook-chaos-pending")
    assert (await fulfilment.fulfil(order.id)).status is OrderStatus.PENDING
    service = sandbox.app[SERVICE_KEY]
    async with asyncio.timeout(10):
        await service.webhooks.wait_for(lambda items: len(items) == 5)
        async with progress:
            # Two distinct events (v2, then v1) pass verification and dedupe; the forged
            # attempt and the three replays never get that far. Only v2 is news: v1 is no
            # newer than what the order POST returned, so the listener settles it itself.
            await progress.wait_for(lambda: len(handled) == 1)
    assert handled == [2]
    deliveries = service.webhooks.deliveries
    assert [d.status_code for d in deliveries] == [401, 200, 200, 200, 200]
    done = await wired.shop.order(order.id)
    assert (done.status, done.supplier_version) == (OrderStatus.DELIVERED, 2)
    async with wired.shop.storage.db.read() as conn:
        timeline = [t.to_status for t in await OrderRepository(conn).timeline(order.id)]
        messages = await OutboxRepository(conn).list_for_order(order.id)
        codes = await CodeRepository(conn, wired.shop.storage.cipher).count_codes(order.id)
    S = OrderStatus
    assert timeline == [S.QUOTED, S.PAID, S.ORDERING, S.PENDING, S.DELIVERED]
    assert [m.kind for m in messages] == ["notice", "codes"]  # processing, then the codes
    assert codes == 1
    assert wired.shop.refunder.refunded == []
    async with wired.shop.storage.db.read() as conn:
        assert await SupplierEventRepository(conn).list_unprocessed() == []


async def test_a_webhook_with_nothing_new_is_settled_before_the_answer_with_no_fetch(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The usual webhook repeats what the order POST returned, or names no order of ours:
    the listener records and settles it in one transaction, and fulfilment never sees it."""
    order = await wired.shop.paid_order("test-instant")
    done = await wired.shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED and done.supplier_order_id is not None
    reached: list[str] = []

    async def recorded(reference: str, *args: object, **kwargs: object) -> Order | None:
        reached.append(reference)
        return None

    monkeypatch.setattr(wired.shop.fulfilment, "on_supplier_update", recorded)
    async with wired.shop.storage.db.read() as conn:
        attempt = await SupplierAttemptRepository(conn).current(order.id)
    assert attempt is not None
    reference = attempt.reference
    events = [
        (reference, done.supplier_order_id, done.supplier_version),  # what the POST returned
        ("GBNOSUCHORDR-1", "ord_elsewhere", 3),  # not ours
    ]
    async with aiohttp.ClientSession() as http:
        for n, (ref, supplier_order_id, version) in enumerate(events):
            body = json.dumps(
                {
                    "type": "order.fulfilled",
                    "timestamp": "2026-11-26T10:00:00Z",
                    "data": {
                        "order_id": supplier_order_id,
                        "reference": ref,
                        "status": "completed",
                        "version": version,
                    },
                }
            ).encode()
            async with http.post(
                wired.url, data=body, headers=signed_headers(body, f"msg_old_{n}")
            ) as answer:
                assert answer.status == 200
            # Settled by the time the supplier has its answer: nothing left to process.
            async with wired.shop.storage.db.read() as conn:
                assert await SupplierEventRepository(conn).list_unprocessed() == []
    assert reached == []
    assert (await wired.shop.order(order.id)).version == done.version  # untouched
