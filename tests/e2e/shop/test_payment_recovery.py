"""Telegram's Stars ledger against the real processes: a payment whose update died with the
bot is delivered soon after the restart, and a new database leaves the past alone."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import Iterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import BOT_TOKEN, Stack, end, restart_bot, running_stack
from tests.support.shopper import Shopper, text_of

RECOVERY_BOUND_SECONDS = 60.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: these tests stop, kill and restart the bot."""
    with running_stack(tmp_path_factory.mktemp("recovery")) as running:
        yield running


def running_bot(stack: Stack) -> str:
    [name] = [name for name in stack.processes if name.startswith("bot")]
    return name


async def restart(stack: Stack, **settings: str) -> str:
    """Start the bot again as the last one ran (same database unless told otherwise)."""
    name = f"bot-{len(list(stack.workdir.glob('bot*.log')))}"
    await asyncio.to_thread(restart_bot, stack, name, **settings)
    return name


def query(database: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


async def approve_and_lose_the_update(dying: Bot) -> str:
    """What the killed bot lived through before it died: it approved the payment, and
    aiogram confirmed the successful_payment update (its next getUpdates does that)
    before the handler could store anything."""
    offset: int | None = None
    charge: str | None = None
    while charge is None:
        for update in await dying.get_updates(offset=offset, timeout=10):
            offset = update.update_id + 1
            if update.pre_checkout_query is not None:
                await dying.answer_pre_checkout_query(update.pre_checkout_query.id, ok=True)
            elif update.message is not None and update.message.successful_payment is not None:
                charge = update.message.successful_payment.telegram_payment_charge_id
    await dying.get_updates(offset=offset, timeout=0)
    return charge


async def test_a_fresh_database_on_the_same_token_refunds_nothing_of_the_past(
    stack: Stack, telegram: SandboxClient
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    charges = []
    for _ in range(3):
        checkout = await shopper.checkout("test-instant", "Sandbox")
        paid = await shopper.pay(checkout)
        assert paid.status == "paid" and paid.charge_id
        charges.append(paid.charge_id)
        await shopper.delivery(checkout)
        await shopper.start()
    last = running_bot(stack)
    assert end(stack, last) == 0

    fresh = str(stack.workdir / "fresh.db")
    name = await restart(stack, DATABASE_URL=f"sqlite:///{fresh}")
    # /health answers only once the start-up pass over Telegram's ledger is done.
    assert "payment ledger read at start-up: 0 payments taken" in stack.log(name)
    refunds = [t for t in await telegram.star_transactions() if "receiver" in t]
    assert [t for t in refunds if t["id"] in charges] == [], "the past was refunded"
    assert query(fresh, "SELECT count(*) FROM payments") == [(0,)]
    assert query(fresh, "SELECT count(*) FROM outbox") == [(0,)], "nobody alerted"
    assert query(fresh, "SELECT count(*) FROM meta WHERE key = 'stars_ledger_watermark'") == [
        (1,)
    ], "the ledger was read"


async def test_a_payment_whose_update_died_with_the_bot_is_delivered_soon_after_restart(
    stack: Stack, telegram: SandboxClient
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox")
    last = running_bot(stack)
    assert end(stack, last, signal.SIGKILL) == -signal.SIGKILL

    api = TelegramAPIServer.from_base(stack.telegram_url)
    async with Bot(BOT_TOKEN, session=AiohttpSession(api=api)) as dying:
        paying = asyncio.create_task(shopper.pay(checkout))
        charge = await approve_and_lose_the_update(dying)
        paid = await paying
    assert paid.status == "paid" and paid.charge_id == charge

    started = time.monotonic()
    name = await restart(stack)
    ready_in = time.monotonic() - started
    left = RECOVERY_BOUND_SECONDS - ready_in
    fragment = f"Your order {checkout.order_id}"
    await shopper.user.wait_for(
        lambda m: fragment in text_of(m), left, after=checkout.invoice["message_id"]
    )
    recovered_in = time.monotonic() - started
    assert recovered_in < RECOVERY_BOUND_SECONDS
    print(f"restart: ready in {ready_in:.1f} s, lost payment delivered in {recovered_in:.1f} s")
    assert f"payment for order {checkout.order_id} recovered" in stack.log(name)
    chat = await shopper.user.chat()
    assert sum(fragment in text_of(m) for m in chat) == 1
    refunds = [t for t in await telegram.star_transactions() if "receiver" in t]
    assert all(t["id"] != charge for t in refunds)
