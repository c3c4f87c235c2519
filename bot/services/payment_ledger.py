"""Telegram's own record of Stars payments, matched against ours.

With long polling, aiogram confirms an update as soon as its next getUpdates goes out,
while the handler may still be running: a crash inside the successful_payment handler
would lose the payment. Telegram's ledger (getStarTransactions) is the backstop: every
incoming payment there goes through the same intake as the live update.

The walk is keyed on transaction ids and a date watermark, never on a list position:
- nothing dated before the database's birth (meta `created_at`) is ever touched, so a
  fresh or restored database on an old bot token leaves the past alone;
- each pass reads what covers the watermark (less a safety margin) up to the newest
  entry, skips charge ids already in `payments`, and moves the watermark only past
  payments that are settled: one that fails is looked at again next pass, and never holds
  up the others;
- the list offset is remembered only as where to start reading; if it is wrong the walk
  steps back until it reaches entries older than the watermark.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from aiogram.types import StarTransaction, StarTransactions, TransactionPartnerUser

from bot.services.payments import IncomingPayment, PaymentIntake, PaymentSource
from bot.services.pricing import STARS
from storage.clock import from_db, to_db, utcnow
from storage.database import Database
from storage.repositories import MetaRepository, PaymentRepository, PaymentStatus

log = logging.getLogger(__name__)

BIRTH_KEY = "created_at"  # written by migration 0002
WATERMARK_KEY = "stars_ledger_watermark"  # every payment before it is settled here
OFFSET_KEY = "stars_ledger_offset"  # where the last walk started reading: a hint only
PAGE_SIZE = 100  # getStarTransactions' largest page
# Payments younger than this are left to the live update, normally seconds away, so the
# customer gets its reply. Either door stores first, so this is about replies, not safety.
GRACE = timedelta(seconds=20)
# Entries a little older than the watermark are read again: clocks differ, and a payment
# may be listed a moment after the date it carries.
MARGIN = timedelta(minutes=10)


class StarLedger(Protocol):
    def get_star_transactions(
        self, offset: int | None = ..., limit: int | None = ...
    ) -> Awaitable[StarTransactions]: ...


class Fulfilment(Protocol):
    def schedule(self, order_id: str) -> None: ...


def _incoming(transaction: StarTransaction) -> IncomingPayment | None:
    """A customer's invoice payment, or None for refunds, gifts and other movements."""
    source = transaction.source
    if not isinstance(source, TransactionPartnerUser) or source.invoice_payload is None:
        return None
    return IncomingPayment(
        charge_id=transaction.id,
        provider_charge_id=None,
        user_id=source.user.id,
        currency=STARS,
        amount=transaction.amount,
        payload=source.invoice_payload,
        paid_at=transaction.date,
        source=PaymentSource.LEDGER,
    )


def _refunded_ids(transactions: list[StarTransaction]) -> set[str]:
    """Charges Telegram lists as paid back (a refund carries the charge's id)."""
    return {
        t.id
        for t in transactions
        if t.source is None and isinstance(t.receiver, TransactionPartnerUser)
    }


class PaymentLedger:
    def __init__(
        self,
        db: Database,
        bot: StarLedger,
        intake: PaymentIntake,
        fulfilment: Fulfilment,
        *,
        currency: str = STARS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._bot = bot
        self._intake = intake
        self._fulfilment = fulfilment
        self._enabled = currency == STARS  # card payments have no Bot API ledger
        self._clock = clock

    async def reconcile(self, *, grace: timedelta = GRACE) -> int:
        """One pass; return how many payments were taken from the ledger. At start-up,
        before updates are taken, pass grace=0: no live update can race it then."""
        if not self._enabled:
            return 0
        taken = await self._walk(grace)
        await self._intake.refund_owed()
        return taken

    async def _walk(self, grace: timedelta) -> int:
        birth, watermark, hint = await self._state()
        # The birth is compared at Telegram's one-second resolution: a payment of this
        # database's first second is never missed.
        floor = max(birth.replace(microsecond=0), watermark - MARGIN)
        cutoff = self._clock() - grace
        start, transactions = await self._read(hint, floor)
        recent = [t for t in transactions if t.date >= floor]
        refunded = _refunded_ids(recent)
        payments = [p for p in map(_incoming, recent) if p is not None]
        known: set[str] = set()
        async with self._db.read() as conn:
            for i in range(0, len(payments), PAGE_SIZE):  # SQLite bounds a query's parameters
                chunk = [p.charge_id for p in payments[i : i + PAGE_SIZE]]
                known |= await PaymentRepository(conn).known(chunk)
        unsettled: list[datetime] = []
        taken = 0
        for payment in payments:
            if payment.charge_id in known:
                continue
            if payment.paid_at > cutoff:
                unsettled.append(payment.paid_at)  # the live update's turn first
                continue
            try:
                taken += await self._take(payment, already_refunded=payment.charge_id in refunded)
            except Exception:
                log.exception("ledger payment %s not settled; next pass", payment.charge_id)
                unsettled.append(payment.paid_at)
        settled_until = min([cutoff, *unsettled])
        await self._save(max(watermark, settled_until), start, transactions, floor)
        return taken

    async def _take(self, payment: IncomingPayment, *, already_refunded: bool) -> int:
        if already_refunded:
            if await self._intake.record_refunded(payment):
                log.info("ledger payment %s was refunded before; kept as such", payment.charge_id)
            return 0
        intake = await self._intake.take(payment)
        if not intake.is_new:
            return 0  # the live update stored it meanwhile
        if intake.status is PaymentStatus.APPLIED and intake.order is not None:
            log.warning("payment for order %s recovered from Telegram's ledger", intake.order.id)
            self._fulfilment.schedule(intake.order.id)
        return 1

    async def _read(self, hint: int, floor: datetime) -> tuple[int, list[StarTransaction]]:
        """Every entry from a page that starts before `floor` (or the first page) to the
        newest; return the offset of the first one read."""
        offset, step = hint, PAGE_SIZE
        page = await self._page(offset)
        # The list is chronological: once a page starts before the floor, nothing earlier
        # can be at or after it. Step back (further each time) until that holds.
        while offset > 0 and (not page or page[0].date >= floor):
            offset = max(0, offset - step)
            step *= 2
            page = await self._page(offset)
        start, read = offset, list(page)
        while len(page) == PAGE_SIZE:
            offset += PAGE_SIZE
            page = await self._page(offset)
            read.extend(page)
        return start, read

    async def _page(self, offset: int) -> list[StarTransaction]:
        result = await self._bot.get_star_transactions(offset=offset, limit=PAGE_SIZE)
        return list(result.transactions)

    async def _state(self) -> tuple[datetime, datetime, int]:
        async with self._db.read() as conn:
            meta = MetaRepository(conn)
            birth_text = await meta.find_value(BIRTH_KEY)
            watermark_text = await meta.find_value(WATERMARK_KEY)
            hint = int(await meta.find_value(OFFSET_KEY) or 0)
        if birth_text is None:
            raise RuntimeError("meta 'created_at' is missing: run `giftbot migrate`")
        birth = from_db(birth_text)
        watermark = from_db(watermark_text) if watermark_text else birth
        return birth, max(birth, watermark), hint

    async def _save(
        self, watermark: datetime, start: int, transactions: list[StarTransaction], floor: datetime
    ) -> None:
        # Next time, start reading at the last entry before the next floor: that page
        # starts before the floor, so the walk needs no step back.
        next_floor = max(floor, watermark - MARGIN)
        ahead = next(
            (i for i, t in enumerate(transactions) if t.date >= next_floor), len(transactions)
        )
        async with self._db.transaction() as conn:
            meta = MetaRepository(conn)
            await meta.set_value(WATERMARK_KEY, to_db(watermark))
            await meta.set_value(OFFSET_KEY, str(max(0, start + ahead - 1)))
