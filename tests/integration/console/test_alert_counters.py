"""What the operations alerts count, counted where it happens: supplier errors on the
supplier client's session, bad signatures at the webhook listener."""

from __future__ import annotations

from functools import partial
from typing import cast

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app.composition import _supplier_webhook_refused
from app.web.app import SUPPLIER_WEBHOOK_PATH, create_app
from bot.metrics import Metrics
from bot.services.ops_monitor import OpsCounters
from bot.services.supplier_events import SupplierEvents
from supplier.client import SupplierClient
from supplier.errors import SupplierError
from supplier.retry import RetryPolicy
from supplier.webhooks import WebhookVerifier

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def test_supplier_5xx_and_failed_connections_are_counted() -> None:
    async def broken(_: web.Request) -> web.Response:
        return web.json_response(
            {"error": {"code": "internal_error", "message": "x", "retryable": True}}, status=500
        )

    async def fine(_: web.Request) -> web.Response:
        return web.json_response(
            {"error": {"code": "sku_not_found", "message": "x", "retryable": False}}, status=404
        )

    app = web.Application()
    app.router.add_get("/v1/balance", broken)
    app.router.add_get("/v1/stock/{sku}", fine)
    counters = OpsCounters()
    async with (
        TestServer(app) as server,
        aiohttp.ClientSession(trace_configs=[counters.supplier_trace()]) as session,
    ):
        client = SupplierClient(
            str(server.make_url("")),
            "key",
            session=session,
            retry=RetryPolicy(max_retries=2, backoff_base=0.001),
        )
        with pytest.raises(SupplierError):
            await client.get_balance()
        assert counters.supplier_errors.count() == 3  # the first try and two retries
        with pytest.raises(SupplierError):
            await client.get_stock("nope")  # a domain answer, not a supplier fault
        assert counters.supplier_errors.count() == 3
        port = server.port
    # The server is gone: a refused connection counts too.
    async with aiohttp.ClientSession(trace_configs=[counters.supplier_trace()]) as session:
        down = SupplierClient(f"http://127.0.0.1:{port}", "key", session=session, max_retries=0)
        with pytest.raises(SupplierError):
            await down.get_balance()
    assert counters.supplier_errors.count() == 4


async def test_bad_webhook_signatures_are_counted() -> None:
    counters = OpsCounters()
    app = create_app(
        WebhookVerifier([SECRET]),
        cast(SupplierEvents, object()),
        on_rejected=partial(_supplier_webhook_refused, Metrics(), counters),
    )
    async with TestClient(TestServer(app)) as client:
        for _ in range(2):
            response = await client.post(
                SUPPLIER_WEBHOOK_PATH,
                data=b"{}",
                headers={
                    "webhook-id": "msg_1",
                    "webhook-timestamp": "1700000000",
                    "webhook-signature": "v1,Zm9yZ2Vk",
                },
            )
            assert response.status == 401
    assert counters.signature_failures.count() == 2
