"""Payments whose successful_payment update was lost are recovered from Telegram's ledger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import LabeledPrice, PreCheckoutQuery

from bot.sandbox import RunningTelegramSandbox, TelegramSandboxConfig, start_telegram_sandbox
from bot.sandbox.driver import ChatUser, SandboxClient
from bot.services.catalog import CatalogService
from bot.services.checkout import CheckoutService
from bot.services.payment_ledger import PaymentLedger
from bot.services.pricing import PriceRules
from bot.services.refunds import TelegramRefunder
from storage.models import NewOrder, OrderStatus
from storage.repositories import OrderRepository, ProductData, ProductRepository, UserRepository
from storage.store import Storage

TOKEN = "4200000001:LEDGER-test-token-00000000000000000"
CUSTOMER = 777


@dataclass
class RecordingFulfilment:
    """What the ledger asks of fulfilment; refunds go to Telegram for real."""

    refunder: TelegramRefunder
    scheduled: list[str] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)

    def schedule(self, order_id: str) -> None:
        self.scheduled.append(order_id)

    async def refund_unmatched_payment(self, *, user_id: int, telegram_charge_id: str) -> None:
        await self.refunder.refund_stars(user_id=user_id, telegram_charge_id=telegram_charge_id)
        self.refunded.append(telegram_charge_id)


@pytest.fixture
async def telegram() -> AsyncIterator[RunningTelegramSandbox]:
    running = await start_telegram_sandbox(TelegramSandboxConfig(flood_limit=False))
    yield running
    await running.close()


@pytest.fixture
async def bot(telegram: RunningTelegramSandbox) -> AsyncIterator[Bot]:
    tg = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.url)))
    yield tg
    await tg.session.close()


@pytest.fixture
async def customer(telegram: RunningTelegramSandbox, bot: Bot) -> AsyncIterator[ChatUser]:
    await bot.get_me()
    async with SandboxClient(telegram.url) as client:
        yield await client.create_user(CUSTOMER, "Carol")


async def _quote(storage: Storage, order_id: str, stars: int) -> None:
    now = datetime.now(UTC)
    async with storage.db.transaction() as conn:
        await UserRepository(conn).upsert_user(CUSTOMER, "Carol", "en", now)
        await ProductRepository(conn).upsert_product(
            ProductData(
                "steam-us-5", "Steam", "Steam 5", "US", 500, "USD", "", None, 5, True, None
            ),
            now,
        )
        await OrderRepository(conn).create_order(
            NewOrder(
                order_id,
                CUSTOMER,
                CUSTOMER,
                "steam-us-5",
                1,
                "XTR",
                stars,
                450,
                "USD",
                now + timedelta(minutes=15),
            ),
            now,
        )


async def _pay_while_the_bot_is_down(bot: Bot, customer: ChatUser, payload: str) -> str:
    """The bot approves the payment, then dies before the successful_payment update."""
    invoice = await bot.send_invoice(
        CUSTOMER, "Steam 5", "Steam 5 USD", payload, "XTR", [LabeledPrice(label="x", amount=400)]
    )
    dispatcher = Dispatcher()

    @dispatcher.pre_checkout_query()
    async def approve(query: PreCheckoutQuery) -> None:
        await query.answer(ok=True)

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        paid = await customer.pay(invoice.message_id)
    finally:
        await dispatcher.stop_polling()
        await polling
    assert paid.status == "paid" and paid.charge_id
    return paid.charge_id


def _ledger(
    storage: Storage, bot: Bot, fulfilment: RecordingFulfilment, *, at: datetime
) -> PaymentLedger:
    checkout = CheckoutService(
        storage.db,
        supplier=None,  # type: ignore[arg-type] - recording a payment needs no supplier
        catalog=CatalogService(storage.db, None),  # type: ignore[arg-type]
        rules=PriceRules("XTR", Decimal(10), Decimal("0.013")),
        purchases_per_minute=5,
    )
    return PaymentLedger(storage.db, bot, checkout, fulfilment, clock=lambda: at)  # type: ignore[arg-type]


async def test_lost_payment_is_recovered_and_stray_one_refunded(
    storage: Storage, bot: Bot, customer: ChatUser
) -> None:
    await _quote(storage, "GBLEDGER0001", stars=400)
    charge = await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0001")
    stray = await _pay_while_the_bot_is_down(bot, customer, "GBNOSUCHORDER")
    fulfilment = RecordingFulfilment(TelegramRefunder(bot))
    later = datetime.now(UTC) + timedelta(minutes=5)

    assert await _ledger(storage, bot, fulfilment, at=later).reconcile() == 2
    async with storage.db.read() as conn:
        order = await OrderRepository(conn).get_order("GBLEDGER0001")
    assert order.status is OrderStatus.PAID and order.telegram_payment_charge_id == charge
    assert fulfilment.scheduled == ["GBLEDGER0001"]
    assert fulfilment.refunded == [stray]

    # The cursor moved: a second pass (and a restart) finds nothing left to do.
    assert await _ledger(storage, bot, fulfilment, at=later).reconcile() == 0
    assert fulfilment.scheduled == ["GBLEDGER0001"] and fulfilment.refunded == [stray]


async def test_fresh_payments_are_left_to_the_live_update(
    storage: Storage, bot: Bot, customer: ChatUser
) -> None:
    await _quote(storage, "GBLEDGER0002", stars=400)
    await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0002")
    fulfilment = RecordingFulfilment(TelegramRefunder(bot))
    assert await _ledger(storage, bot, fulfilment, at=datetime.now(UTC)).reconcile() == 0
    async with storage.db.read() as conn:
        assert (await OrderRepository(conn).get_order("GBLEDGER0002")).status is OrderStatus.QUOTED
    assert fulfilment.scheduled == []
