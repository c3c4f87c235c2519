"""Payments whose successful_payment update was lost are recovered from Telegram's ledger,
and nothing this database did not take part in is ever refunded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import LabeledPrice, PreCheckoutQuery, StarTransactions

from bot.services.payment_ledger import OFFSET_KEY, PAGE_SIZE, WATERMARK_KEY, PaymentLedger
from bot.services.payments import PaymentIntake
from bot.services.refunds import TelegramRefunder
from sandbox.telegram import RunningTelegramSandbox, TelegramSandboxConfig, start_telegram_sandbox
from sandbox.telegram.driver import ChatUser, SandboxClient
from storage.clock import from_db, to_db
from storage.models import NewOrder, OrderStatus
from storage.repositories import (
    MetaRepository,
    OrderRepository,
    PaymentRepository,
    PaymentStatus,
    ProductData,
    ProductRepository,
    UserRepository,
)
from storage.settings import StorageSettings
from storage.store import Storage, open_storage

TOKEN = "4200000001:LEDGER-test-token-00000000000000000"
BOT_ID = 4200000001
CUSTOMER = 777
HOUR = 3600


@dataclass
class RecordingFulfilment:
    scheduled: list[str] = field(default_factory=list)

    def schedule(self, order_id: str) -> None:
        self.scheduled.append(order_id)


@dataclass
class CountingRefunder:
    """Refunds go to Telegram for real; every call is counted, and asking twice for one
    charge fails the test (Telegram would answer CHARGE_ALREADY_REFUNDED, hiding it)."""

    telegram: TelegramRefunder
    calls: list[str] = field(default_factory=list)

    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        if telegram_charge_id in self.calls:
            pytest.fail(f"charge {telegram_charge_id} refunded twice")
        self.calls.append(telegram_charge_id)
        await self.telegram.refund_stars(user_id=user_id, telegram_charge_id=telegram_charge_id)


@dataclass
class CountingBot:
    """The Bot API's getStarTransactions, with the offsets asked for kept."""

    bot: Bot
    offsets: list[int] = field(default_factory=list)

    async def get_star_transactions(
        self, offset: int | None = None, limit: int | None = None
    ) -> StarTransactions:
        self.offsets.append(offset or 0)
        return await self.bot.get_star_transactions(offset=offset, limit=limit)


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


@pytest.fixture
def refunder(bot: Bot) -> CountingRefunder:
    return CountingRefunder(TelegramRefunder(bot))


async def _quote(storage: Storage, order_id: str, stars: int = 400) -> None:
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


async def _pay_while_the_bot_is_down(
    bot: Bot, customer: ChatUser, payload: str, stars: int = 400
) -> str:
    """The bot approves the payment, then dies before the successful_payment update."""
    invoice = await bot.send_invoice(
        CUSTOMER, "Steam 5", "Steam 5 USD", payload, "XTR", [LabeledPrice(label="x", amount=stars)]
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


def _age(telegram: RunningTelegramSandbox, seconds: int) -> None:
    """Everything in the bot's Stars history so far happened `seconds` ago."""
    for transaction in telegram.sandbox.bots[BOT_ID].transactions:
        transaction["date"] -= seconds


def _ledger(
    storage: Storage,
    bot: Bot | CountingBot,
    refunder: CountingRefunder,
    fulfilment: RecordingFulfilment,
    *,
    at: datetime,
) -> PaymentLedger:
    intake = PaymentIntake(storage.db, refunder, admin_ids=[1000], clock=lambda: at)
    return PaymentLedger(storage.db, bot, intake, fulfilment, clock=lambda: at)


async def _payment_status(storage: Storage, charge: str) -> str | None:
    async with storage.db.read() as conn:
        found = await PaymentRepository(conn).find(charge)
    return found.status if found else None


async def _meta(storage: Storage, key: str) -> str | None:
    async with storage.db.read() as conn:
        return await MetaRepository(conn).find_value(key)


async def test_lost_payments_are_recovered_classified_and_never_refunded_twice(
    storage: Storage, bot: Bot, customer: ChatUser, refunder: CountingRefunder
) -> None:
    await _quote(storage, "GBLEDGER0001")
    charge = await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0001")
    second = await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0001")
    stray = await _pay_while_the_bot_is_down(bot, customer, "GBNOSUCHORDER")
    fulfilment = RecordingFulfilment()
    later = datetime.now(UTC) + timedelta(minutes=5)

    assert await _ledger(storage, bot, refunder, fulfilment, at=later).reconcile() == 3
    async with storage.db.read() as conn:
        order = await OrderRepository(conn).get_order("GBLEDGER0001")
        notices = await (await conn.execute("SELECT payload FROM outbox")).fetchall()
    assert order.status is OrderStatus.PAID and order.telegram_payment_charge_id == charge
    assert fulfilment.scheduled == ["GBLEDGER0001"]
    # A second payment of one quote goes back, once; a payload naming no order here may
    # be another database's on the same token: kept for a person, never refunded.
    assert refunder.calls == [second]
    assert await _payment_status(storage, charge) == PaymentStatus.APPLIED
    assert await _payment_status(storage, second) == PaymentStatus.REFUNDED
    assert await _payment_status(storage, stray) == PaymentStatus.UNMATCHED
    kinds = sorted(row[0] for row in notices)
    assert any('"unmatched_payment"' in k for k in kinds), "admins hear of the stray one"
    assert any('"unmatched_refund"' in k for k in kinds), "the customer hears of the refund"

    # A second pass (and a restart) finds nothing left to do.
    assert await _ledger(storage, bot, refunder, fulfilment, at=later).reconcile() == 0
    assert fulfilment.scheduled == ["GBLEDGER0001"] and refunder.calls == [second]


async def test_fresh_payments_are_left_to_the_live_update(
    storage: Storage, bot: Bot, customer: ChatUser, refunder: CountingRefunder
) -> None:
    await _quote(storage, "GBLEDGER0002")
    charge = await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0002")
    fulfilment = RecordingFulfilment()
    now = datetime.now(UTC)
    assert await _ledger(storage, bot, refunder, fulfilment, at=now).reconcile() == 0
    async with storage.db.read() as conn:
        assert (await OrderRepository(conn).get_order("GBLEDGER0002")).status is OrderStatus.QUOTED
    assert fulfilment.scheduled == []
    # The watermark stops before it, so a later pass still takes it.
    assert from_db(await _meta(storage, WATERMARK_KEY) or "") <= now
    later = now + timedelta(minutes=1)
    assert await _ledger(storage, bot, refunder, fulfilment, at=later).reconcile() == 1
    assert await _payment_status(storage, charge) == PaymentStatus.APPLIED


async def test_a_fresh_database_on_an_old_token_refunds_nothing_of_the_past(
    storage_settings: StorageSettings,
    telegram: RunningTelegramSandbox,
    bot: Bot,
    customer: ChatUser,
    refunder: CountingRefunder,
) -> None:
    # Three purchases another database delivered yesterday, on this very bot token.
    old = [await _pay_while_the_bot_is_down(bot, customer, f"GBOLDORDER00{i}") for i in range(3)]
    _age(telegram, 24 * HOUR)
    storage = await open_storage(storage_settings)  # this database is born now
    try:
        fulfilment = RecordingFulfilment()
        later = datetime.now(UTC) + timedelta(minutes=5)
        assert await _ledger(storage, bot, refunder, fulfilment, at=later).reconcile() == 0
        assert refunder.calls == []
        assert fulfilment.scheduled == []
        for charge in old:
            assert await _payment_status(storage, charge) is None, "the past is not touched"
        async with storage.db.read() as conn:
            cursor = await conn.execute("SELECT count(*) FROM outbox")
            row = await cursor.fetchone()
            assert row is not None and row[0] == 0, "nobody is alerted about the past"
    finally:
        await storage.close()
    charges = [t for t in telegram.sandbox.bots[BOT_ID].transactions if "receiver" in t]
    assert charges == [], "Telegram saw no refund"


async def test_a_refund_telegram_refuses_blocks_neither_other_payments_nor_the_watermark(
    storage: Storage,
    telegram: RunningTelegramSandbox,
    bot: Bot,
    customer: ChatUser,
    refunder: CountingRefunder,
) -> None:
    await _quote(storage, "GBLEDGER0003")
    await _quote(storage, "GBLEDGER0004")
    await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0003")
    refused = await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0003")
    lost = await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0004")
    async with SandboxClient(telegram.url) as client:
        await client.inject_fault(
            "refundStarPayment", count=100, status=400, description="Bad Request: REFUND_DENIED"
        )
    fulfilment = RecordingFulfilment()
    at = datetime.now(UTC) + timedelta(minutes=5)
    assert await _ledger(storage, bot, refunder, fulfilment, at=at).reconcile() == 3
    assert fulfilment.scheduled == ["GBLEDGER0003", "GBLEDGER0004"]
    assert await _payment_status(storage, lost) == PaymentStatus.APPLIED
    assert await _payment_status(storage, refused) == PaymentStatus.REFUND_OWED
    assert from_db(await _meta(storage, WATERMARK_KEY) or "") > at - timedelta(minutes=1)

    # Retried with backoff a bounded number of times, then left to a person.
    for minutes in range(6, 60, 1):
        refunder.calls.clear()  # Telegram refused: asking again is not a double refund
        ledger = _ledger(storage, bot, refunder, fulfilment, at=at + timedelta(minutes=minutes))
        await ledger.reconcile()
    assert await _payment_status(storage, refused) == PaymentStatus.REFUND_FAILED
    async with storage.db.read() as conn:
        found = await PaymentRepository(conn).find(refused)
        cursor = await conn.execute("SELECT payload FROM outbox WHERE kind = 'alert'")
        alerts = [row[0] for row in await cursor.fetchall()]
    assert found is not None and found.attempts == 4  # + the last, which set the status
    assert found.last_error is not None and "REFUND_DENIED" in found.last_error
    assert any('"refund_failed"' in a and refused in a for a in alerts)


async def test_long_history_is_walked_once_then_from_the_watermark(
    storage: Storage,
    telegram: RunningTelegramSandbox,
    bot: Bot,
    customer: ChatUser,
    refunder: CountingRefunder,
) -> None:
    # Two and a half pages of history older than this database, then one lost payment.
    transactions = telegram.sandbox.bots[BOT_ID].transactions
    past = int((datetime.now(UTC) - timedelta(days=30)).timestamp())
    user = {"id": CUSTOMER, "is_bot": False, "first_name": "Carol"}
    for i in range(250):
        transactions.append(
            {
                "id": f"stxold{i:04d}",
                "amount": 100,
                "date": past + i,
                "source": {
                    "type": "user",
                    "transaction_type": "invoice_payment",
                    "user": user,
                    "invoice_payload": f"GBOLD{i:07d}",
                },
            }
        )
    await _quote(storage, "GBLEDGER0005")
    lost = await _pay_while_the_bot_is_down(bot, customer, "GBLEDGER0005")
    counting = CountingBot(bot)
    fulfilment = RecordingFulfilment()
    at = datetime.now(UTC) + timedelta(minutes=5)

    assert await _ledger(storage, counting, refunder, fulfilment, at=at).reconcile() == 1
    assert counting.offsets == [0, PAGE_SIZE, 2 * PAGE_SIZE]
    assert fulfilment.scheduled == ["GBLEDGER0005"] and refunder.calls == []
    assert await _payment_status(storage, lost) == PaymentStatus.APPLIED
    assert await _payment_status(storage, "stxold0000") is None

    # Next pass: one page, from where the watermark is.
    counting.offsets.clear()
    assert await _ledger(storage, counting, refunder, fulfilment, at=at).reconcile() == 0
    assert counting.offsets == [249]

    # A wrong hint (a restored backup, another token's offset) only costs a step back.
    async with storage.db.transaction() as conn:
        await MetaRepository(conn).set_value(OFFSET_KEY, "5000")
        await MetaRepository(conn).set_value(WATERMARK_KEY, to_db(at - timedelta(hours=1)))
    counting.offsets.clear()
    assert await _ledger(storage, counting, refunder, fulfilment, at=at).reconcile() == 0
    assert counting.offsets[0] == 5000 and counting.offsets[-2:] == [100, 200]
    assert refunder.calls == [] and fulfilment.scheduled == ["GBLEDGER0005"]


async def test_payment_telegram_shows_refunded_is_kept_as_refunded_without_alerts(
    storage: Storage, bot: Bot, customer: ChatUser, refunder: CountingRefunder
) -> None:
    # An earlier version of the bot refunded this stray payment itself, storing nothing.
    stray = await _pay_while_the_bot_is_down(bot, customer, "GBNOSUCHORDER")
    await bot.refund_star_payment(CUSTOMER, stray)
    fulfilment = RecordingFulfilment()
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await _ledger(storage, bot, refunder, fulfilment, at=later).reconcile() == 0
    assert await _payment_status(storage, stray) == PaymentStatus.REFUNDED
    assert refunder.calls == []
    async with storage.db.read() as conn:
        cursor = await conn.execute("SELECT count(*) FROM outbox")
        row = await cursor.fetchone()
        assert row is not None and row[0] == 0, "nothing for anyone to do"
