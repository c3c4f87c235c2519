"""Fulfilment against the real sandbox supplier over loopback, with Telegram refunds faked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr

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
from tests.support.shop import ADMIN_ID, API_KEY, USER_ID, WEBHOOK_SECRET, FakeRefunder, Shop


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
    catalog = CatalogService(storage.db, supplier)
    await catalog.sync()
    async with storage.db.transaction() as conn:
        await UserRepository(conn).upsert_user(USER_ID, "Ann", "en", datetime.now(UTC))
    outbox_woken = asyncio.Event()
    fulfilment = FulfilmentService(
        storage.db,
        storage.cipher,
        supplier,
        refunder,
        admins=[ADMIN_ID],
        # Retries at every recovery pass: these tests drive recovery by hand, not by clock.
        retry=RetryRules(refund_base=timedelta(0)),
        on_outbox=outbox_woken.set,
    )
    checkout = CheckoutService(
        storage.db,
        supplier,
        catalog,
        PriceRules("XTR", Decimal(10), Decimal("0.013")),
        purchases_per_minute=100,
    )
    intake = PaymentIntake(storage.db, refunder, admin_ids=[ADMIN_ID])
    yield Shop(storage, catalog, checkout, fulfilment, intake, refunder, outbox_woken)
    await fulfilment.close()
