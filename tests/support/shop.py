"""A shop over the sandbox supplier with Telegram's refunds faked, for integration tests:
the services wired as in production, driven by hand instead of by timers."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from bot.services.catalog import CatalogService
from bot.services.checkout import CheckoutService
from bot.services.fulfilment import FulfilmentService
from bot.services.fulfilment_rules import RetryRules
from bot.services.payments import IncomingPayment, PaymentIntake, PaymentSource
from bot.services.pricing import PriceRules
from bot.services.refunds import RefundUnavailable
from sandbox.supplier.server import RunningSandbox
from storage.models import Order
from storage.repositories import OrderRepository, PaymentStatus, UserRepository
from storage.store import Storage
from supplier.port import SupplierPort
from supplier.router import SupplierRouter

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


async def set_stock(sandbox: RunningSandbox, sku: str, available: int) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.post(
            f"{sandbox.url}/sandbox/stock", json={"sku": sku, "available": available}
        ) as response,
    ):
        response.raise_for_status()


async def shoppers(shop: Shop, count: int) -> list[int]:
    ids = list(range(5001, 5001 + count))
    async with shop.storage.db.transaction() as conn:
        for user_id in ids:
            await UserRepository(conn).upsert_user(user_id, "Ann", "en", datetime.now(UTC))
    return ids


async def open_shop(
    storage: Storage, supplier: SupplierPort | SupplierRouter, refunder: FakeRefunder
) -> Shop:
    """The shop's services over `supplier`, its catalog synced and the customer known.
    Close its fulfilment (`shop.fulfilment.close()`) when done."""
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
    return Shop(storage, catalog, checkout, fulfilment, intake, refunder, outbox_woken)
