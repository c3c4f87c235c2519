"""Fulfilment against the real sandbox supplier over loopback, with Telegram refunds faked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.server import RunningSandbox, start_sandbox
from storage.store import Storage
from supplier.client import SupplierClient
from supplier.retry import RetryPolicy
from tests.support.shop import API_KEY, WEBHOOK_SECRET, FakeRefunder, Shop, open_shop


@pytest.fixture
def supplier_webhook_url() -> str | None:
    """Where the sandbox posts its webhooks; None: nowhere (fulfilment is driven by hand)."""
    return None


@pytest.fixture
async def sandbox(supplier_webhook_url: str | None) -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox(
        SandboxConfig(
            api_key=SecretStr(API_KEY),
            webhook_url=supplier_webhook_url,
            webhook_secret=SecretStr(WEBHOOK_SECRET),
            webhook_time_scale=1000.0,
            pending_delay_seconds=0.05,
            refund_later_seconds=0.05,
            slow_delay_seconds=1.0,
            retry_after_seconds=0.05,
            seed=3,
            state_file=None,
        )
    )
    yield running
    await running.close()


@pytest.fixture
async def supplier(sandbox: RunningSandbox) -> AsyncIterator[SupplierClient]:
    client = SupplierClient(
        sandbox.url, API_KEY, timeout=0.5, retry=RetryPolicy(max_retries=2, backoff_base=0.01)
    )
    yield client
    await client.close()


@pytest.fixture
def refunder() -> FakeRefunder:
    return FakeRefunder()


@pytest.fixture
async def shop(
    storage: Storage, supplier: SupplierClient, refunder: FakeRefunder
) -> AsyncIterator[Shop]:
    shop = await open_shop(storage, supplier, refunder)
    yield shop
    await shop.fulfilment.close()
