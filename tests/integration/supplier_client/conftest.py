from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.server import RunningSandbox, start_sandbox
from supplier.client import SupplierClient
from supplier.retry import RetryPolicy
from supplier.webhooks import WebhookVerifier
from tests.integration.supplier_client.receiver import WebhookReceiver
from tests.support.supplier_client import API_KEY, STARTING_BALANCE, WEBHOOK_SECRET


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    endpoint = WebhookReceiver(WebhookVerifier([WEBHOOK_SECRET]))
    server = TestServer(endpoint.app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield endpoint, str(server.make_url("/webhooks/supplier"))
    finally:
        await server.close()


@pytest.fixture
def webhooks(receiver: tuple[WebhookReceiver, str]) -> WebhookReceiver:
    return receiver[0]


@pytest.fixture
async def sandbox(receiver: tuple[WebhookReceiver, str]) -> AsyncIterator[RunningSandbox]:
    config = SandboxConfig(
        api_key=SecretStr(API_KEY),
        webhook_url=receiver[1],
        webhook_secret=SecretStr(WEBHOOK_SECRET),
        webhook_time_scale=1000.0,
        pending_delay_seconds=0.1,
        refund_later_seconds=0.2,
        slow_delay_seconds=0.6,
        retry_after_seconds=0.05,
        starting_balance=STARTING_BALANCE,
        state_file=None,
        seed=7,
    )
    running = await start_sandbox(config)
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def client(sandbox: RunningSandbox) -> AsyncIterator[SupplierClient]:
    retry = RetryPolicy(max_retries=3, backoff_base=0.01, backoff_max=0.05, retry_after_max=0.1)
    async with SupplierClient(sandbox.url, API_KEY, timeout=5.0, retry=retry) as supplier:
        yield supplier
