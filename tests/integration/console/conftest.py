"""The console's services against the real sandbox supplier over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from supplier.sandbox.server import RunningSandbox
from tests.integration.fulfilment import conftest as fulfilment
from tests.integration.fulfilment.conftest import API_KEY

# The fulfilment tests' fixtures: the sandbox supplier, its client, and a shop over them.
supplier_webhook_url = fulfilment.supplier_webhook_url
sandbox = fulfilment.sandbox
supplier = fulfilment.supplier
refunder = fulfilment.refunder
shop = fulfilment.shop


class Control:
    """The sandbox's control endpoints (POST /sandbox/...)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self._session.post(path, json=body) as response:
            response.raise_for_status()
            return dict(await response.json())

    async def get(self, path: str) -> dict[str, Any]:
        async with self._session.get(path) as response:
            response.raise_for_status()
            return dict(await response.json())


@pytest.fixture
async def control(sandbox: RunningSandbox) -> AsyncIterator[Control]:
    async with aiohttp.ClientSession(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {API_KEY}"}
    ) as session:
        yield Control(session)
