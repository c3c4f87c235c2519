"""The console's services against the real sandbox supplier over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.supplier.server import RunningSandbox
from tests.integration.fulfilment import conftest as fulfilment
from tests.support.shop import API_KEY, Control

# The fulfilment tests' fixtures: the sandbox supplier, its client, and a shop over them.
supplier_webhook_url = fulfilment.supplier_webhook_url
sandbox = fulfilment.sandbox
supplier = fulfilment.supplier
refunder = fulfilment.refunder
shop = fulfilment.shop


@pytest.fixture
async def control(sandbox: RunningSandbox) -> AsyncIterator[Control]:
    async with aiohttp.ClientSession(
        base_url=sandbox.url, headers={"Authorization": f"Bearer {API_KEY}"}
    ) as session:
        yield Control(session)
