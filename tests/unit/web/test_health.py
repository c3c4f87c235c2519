from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from app.web.app import SUPPLIER_WEBHOOK_PATH, Readiness, create_app


async def _client(app: Any) -> TestClient[Any, Any]:
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_health_is_503_until_the_bot_takes_updates() -> None:
    readiness = Readiness()
    client = await _client(create_app(None, events=None, readiness=readiness))  # type: ignore[arg-type]  # health needs neither
    try:
        starting = await client.get("/health")
        assert (starting.status, await starting.json()) == (503, {"status": "starting"})
        readiness.ready = True
        ready = await client.get("/health")
        assert (ready.status, await ready.json()) == (200, {"status": "ok"})
    finally:
        await client.close()


async def test_no_webhook_endpoint_without_a_secret() -> None:
    client = await _client(create_app(None, events=None))  # type: ignore[arg-type]  # health needs neither
    try:
        response = await client.post(SUPPLIER_WEBHOOK_PATH, data=b"{}")
        assert response.status == 404
    finally:
        await client.close()
