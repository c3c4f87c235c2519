"""Two in-process sandbox suppliers behind one router, with the real shop services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import AnyHttpUrl, SecretStr

from bot.services.catalog import CatalogService
from bot.services.checkout import CheckoutService
from bot.services.fulfilment import FulfilmentService
from bot.services.fulfilment_rules import RetryRules
from bot.services.payments import PaymentIntake
from bot.services.pricing import PriceRules
from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.server import RunningSandbox, start_sandbox
from storage.repositories import UserRepository
from storage.store import Storage
from supplier.client import SupplierClient
from supplier.retry import RetryPolicy
from supplier.router import SupplierRouter
from supplier.routing import CircuitBreaker
from supplier.settings import SupplierConfig
from tests.support.routing import KEYS, Network, secret
from tests.support.shop import ADMIN_ID, USER_ID, FakeRefunder, Shop


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
    refunder = FakeRefunder()
    catalog = CatalogService(storage.db, router)
    await catalog.sync()
    async with storage.db.transaction() as conn:
        await UserRepository(conn).upsert_user(USER_ID, "Ann", "en", datetime.now(UTC))
    woken = asyncio.Event()
    fulfilment = FulfilmentService(
        storage.db,
        storage.cipher,
        router,
        refunder,
        admins=[ADMIN_ID],
        retry=RetryRules(refund_base=timedelta(0)),
        on_outbox=woken.set,
    )
    checkout = CheckoutService(
        storage.db,
        router,
        catalog,
        PriceRules("XTR", Decimal(10), Decimal("0.013")),
        purchases_per_minute=100,
    )
    intake = PaymentIntake(storage.db, refunder, admin_ids=[ADMIN_ID])
    shop = Shop(storage, catalog, checkout, fulfilment, intake, refunder, woken)
    yield Network(sandboxes, router, shop)
    await fulfilment.close()
    await router.close()
    for sandbox in sandboxes.values():
        await sandbox.close()
