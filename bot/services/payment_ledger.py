"""Telegram's own record of Stars payments, matched against ours.

With long polling, aiogram confirms an update as soon as its next getUpdates goes out,
while the handler may still be running: a crash inside the successful_payment handler
would lose the payment. Telegram's ledger (getStarTransactions) is the backstop: every
incoming payment there ends as a paid order here, or is refunded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.types import StarTransaction, TransactionPartnerUser

from bot.services.checkout import CheckoutService
from bot.services.fulfilment import FulfilmentService
from bot.services.pricing import STARS
from storage.clock import utcnow
from storage.database import Database
from storage.repositories import MetaRepository

log = logging.getLogger(__name__)

CURSOR_KEY = "star_transactions_seen"
PAGE_SIZE = 100
# Payments younger than this are left to the live update, which is normally seconds away.
GRACE = timedelta(minutes=2)


class PaymentLedger:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        checkout: CheckoutService,
        fulfilment: FulfilmentService,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._bot = bot
        self._checkout = checkout
        self._fulfilment = fulfilment
        self._clock = clock

    async def reconcile(self) -> int:
        """Walk the ledger from where the last pass stopped; return how many payments
        had to be recovered or refunded here."""
        if self._checkout.currency != STARS:
            return 0  # card payments have no Bot API ledger
        settled = 0
        while True:
            seen = await self._cursor()
            page = await self._bot.get_star_transactions(offset=seen, limit=PAGE_SIZE)
            done = 0
            for transaction in page.transactions:
                if transaction.date > self._clock() - GRACE:
                    break  # too fresh: the next pass looks again
                settled += await self._settle(transaction)
                done += 1
            if done:
                await self._advance(seen + done)
            if done < PAGE_SIZE:
                return settled

    async def _settle(self, transaction: StarTransaction) -> int:
        source = transaction.source
        if not isinstance(source, TransactionPartnerUser) or source.invoice_payload is None:
            return 0  # refunds, gifts and other movements are not customer payments
        record = await self._checkout.record_payment(
            user_id=source.user.id,
            payload=source.invoice_payload,
            currency=STARS,
            total_amount=transaction.amount,
            telegram_charge_id=transaction.id,
            provider_charge_id=None,
        )
        if record is None:
            # No payable order of this user; refunding twice is harmless (Telegram says so).
            await self._fulfilment.refund_unmatched_payment(
                user_id=source.user.id, telegram_charge_id=transaction.id
            )
            return 1
        if not record.is_new:
            return 0
        log.warning("payment for order %s recovered from Telegram's ledger", record.order.id)
        self._fulfilment.schedule(record.order.id)
        return 1

    async def _cursor(self) -> int:
        async with self._db.read() as conn:
            return int(await MetaRepository(conn).find_value(CURSOR_KEY) or 0)

    async def _advance(self, seen: int) -> None:
        async with self._db.transaction() as conn:
            await MetaRepository(conn).set_value(CURSOR_KEY, str(seen))
