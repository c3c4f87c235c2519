from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from supplier.client import SupplierClient
from supplier.retry import RetryPolicy
from tests.unit.supplier.scripted_http import API_KEY, ScriptedSupplier


@pytest.fixture
async def fake() -> AsyncIterator[ScriptedSupplier]:
    supplier = ScriptedSupplier()
    server = TestServer(supplier.app(), host="127.0.0.1", port=0)
    await server.start_server()
    supplier.url = str(server.make_url(""))
    try:
        yield supplier
    finally:
        supplier.release.set()  # let hanging handlers finish so the server can close
        await server.close()


@pytest.fixture
def sleeps() -> list[float]:
    """Delays the client asked to wait, recorded instead of slept."""
    return []


@pytest.fixture
async def make_client(
    fake: ScriptedSupplier, sleeps: list[float]
) -> AsyncIterator[Callable[..., SupplierClient]]:
    clients: list[SupplierClient] = []

    async def record(delay: float) -> None:
        sleeps.append(delay)

    def factory(**kwargs: Any) -> SupplierClient:
        kwargs.setdefault("timeout", 2.0)
        kwargs.setdefault("retry", RetryPolicy(max_retries=3, sleep=record))
        base_url = kwargs.pop("base_url", fake.url)
        client = SupplierClient(base_url, API_KEY, **kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()
