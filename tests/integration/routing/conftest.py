"""Two in-process sandbox suppliers behind one router, with the real shop services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pydantic import AnyHttpUrl, SecretStr

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.server import RunningSandbox, start_sandbox
from storage.store import Storage
from supplier.client import SupplierClient
from supplier.retry import RetryPolicy
from supplier.router import SupplierRouter
from supplier.routing import CircuitBreaker
from supplier.settings import SupplierConfig
from tests.support.routing import KEYS, Network, secret
from tests.support.shop import FakeRefunder, open_shop


@pytest.fixture
def price_factors() -> dict[str, float]:
    """alpha is dearer by default: a plain order goes to beta."""
    return {"alpha": 1.05, "beta": 1.0}


@pytest.fixture
def webhook_base() -> str | None:
    """Where each sandbox posts its webhooks, as <base>/<name>; None: nowhere."""
    return None


@pytest.fixture
async def network(
    storage: Storage, price_factors: dict[str, float], webhook_base: str | None
) -> AsyncIterator[Network]:
    sandboxes: dict[str, RunningSandbox] = {}
    members: list[tuple[SupplierConfig, SupplierClient]] = []
    for priority, name in enumerate(KEYS):
        sandboxes[name] = await start_sandbox(
            SandboxConfig(
                api_key=SecretStr(KEYS[name]),
                webhook_secret=SecretStr(secret(name)),
                webhook_url=f"{webhook_base}/{name}" if webhook_base else None,
                webhook_time_scale=1000.0,
                pending_delay_seconds=0.05,
                price_factor=price_factors[name],
                seed=3 + priority,  # different order ids at each (see the report)
                state_file=None,
            )
        )
        config = SupplierConfig(
            name=name,
            url=AnyHttpUrl(sandboxes[name].url),
            api_key=SecretStr(KEYS[name]),
            webhook_secrets=[SecretStr(secret(name))],
            priority=priority,
        )
        client = SupplierClient(
            sandboxes[name].url,
            KEYS[name],
            timeout=0.5,
            retry=RetryPolicy(max_retries=1, backoff_base=0.01),
        )
        members.append((config, client))
    router = SupplierRouter(members)
    for member in router.members:
        member.breaker = CircuitBreaker(threshold=2, cool_down=timedelta(minutes=5))
    shop = await open_shop(storage, router, FakeRefunder())
    yield Network(sandboxes, router, shop)
    await shop.fulfilment.close()
    await router.close()
    for sandbox in sandboxes.values():
        await sandbox.close()
