"""Fulfilment against the real sandbox supplier over loopback, with Telegram refunds faked."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr

from bot.services.catalog import CatalogService
from bot.services.checkout import CheckoutService
from bot.services.fulfilment import FulfilmentService
from bot.services.fulfilment_rules import RetryRules
from bot.services.payments import IncomingPayment, PaymentIntake, PaymentSource
from bot.services.pricing import PriceRules
from bot.services.refunds import RefundUnavailable
from storage.models import Order
from storage.repositories import OrderRepository, PaymentStatus, UserRepository
from storage.store import Storage
from supplier.client import SupplierClient
from supplier.retry import RetryPolicy
from supplier.sandbox.config import SandboxConfig
from supplier.sandbox.server import RunningSandbox, start_sandbox

API_KEY = "sk_fulfilment_test"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"bot-webhook-test-secret!").decode()
USER_ID = 4242
ADMIN_ID = 9001


@dataclass
class FakeRefunder:
    """Telegram's refundStarPayment; can be made unreachable. Every call is counted in
    `calls`. Refunding a charge a second time is a double refund: it lands in `refunded`
    too (an assertion on that list sees it) and fails the test where it happens."""

    refunded: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    unavailable: bool = False

    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        self.calls.append(telegram_charge_id)
        if self.unavailable:
            raise RefundUnavailable("network down")
        again = telegram_charge_id in self.refunded
        self.refunded.append(telegram_charge_id)
        if again:
            # pytest's Failed is a BaseException: no `except Exception` on the way swallows it.
            pytest.fail(f"charge {telegram_charge_id} refunded twice")


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


@dataclass
class Shop:
    storage: Storage
    catalog: CatalogService
    checkout: CheckoutService
    fulfilment: FulfilmentService
    intake: PaymentIntake
    refunder: FakeRefunder
    outbox_woken: asyncio.Event  # set whenever fulfilment queues a customer message
    charges: int = 0

    async def paid_order(self, sku: str, quantity: int = 1) -> Order:
        """A quote for `sku`, paid: what the successful_payment handler leaves behind."""
        quote = await self.checkout.quote(
            user_id=USER_ID, chat_id=USER_ID, sku=sku, quantity=quantity
        )
        return await self.pay(quote.order)

    async def pay(self, order: Order, charge_id: str | None = None) -> Order:
        """Telegram reports the payment of `order`'s invoice (what the live update or the
        Stars ledger hands the intake)."""
        self.charges += 1
        intake = await self.intake.take(
            IncomingPayment(
                charge_id=charge_id or f"charge-{self.charges}",
                provider_charge_id=None,
                user_id=order.user_id,
                currency=order.currency,
                amount=order.amount_due,
                payload=order.id,
                paid_at=datetime.now(UTC),
                source=PaymentSource.UPDATE,
            )
        )
        assert intake.is_new and intake.status is PaymentStatus.APPLIED, intake
        assert intake.order is not None
        return intake.order

    async def order(self, order_id: str) -> Order:
        async with self.storage.db.read() as conn:
            return await OrderRepository(conn).get_order(order_id)

    async def settle(self, order_id: str, *, within: float = 5.0) -> Order:
        """Drive the order like the recovery timer would, until it stops moving."""
        deadline = datetime.now(UTC) + timedelta(seconds=within)
        order = await self.fulfilment.fulfil(order_id)
        while not order.status.is_final and datetime.now(UTC) < deadline:
            await self.fulfilment.recover()
            order = await self.order(order_id)
        return order
