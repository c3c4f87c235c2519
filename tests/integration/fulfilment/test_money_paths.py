"""No order stuck forever, nobody left in the dark: refund refusals, deadlines, supplier
voids, credit coming back, and supplier orders that are not what was bought."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.services.fulfilment import FulfilmentService, max_unit_price
from bot.services.fulfilment_rules import Deadlines, RetryRules
from bot.services.order_actions import OrderActions, Outcome
from bot.services.refunds import RefundRejected
from bot.services.supplier_outcome import DEADLINE, MISMATCH
from sandbox.supplier.server import RunningSandbox
from storage.models import NewOrder, Order, OrderStatus, OutboxMessage
from storage.repositories import (
    CreditReason,
    CreditRepository,
    OrderRepository,
    OutboxRepository,
)
from storage.store import Storage
from supplier.client import SupplierClient
from supplier.models import Order as SupplierOrder
from tests.support.attempts import open_attempt, reference_of
from tests.support.shop import ADMIN_ID, API_KEY, USER_ID, Shop

S = OrderStatus


@dataclass
class CountingRefunder:
    """refundStarPayment that counts every call and can refuse for good."""

    calls: list[str] = field(default_factory=list)
    refuse: bool = False

    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        self.calls.append(telegram_charge_id)
        if self.refuse:
            raise RefundRejected("PAYMENT_REFUND_FAILED")


@pytest.fixture
def refunder() -> CountingRefunder:  # replaces the conftest's for this module
    return CountingRefunder()


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(
    storage: Storage, supplier: SupplierClient, refunder: CountingRefunder, clock: Clock
) -> Callable[..., FulfilmentService]:
    def build(**rules: Any) -> FulfilmentService:
        return FulfilmentService(
            storage.db,
            storage.cipher,
            supplier,
            refunder,
            admins=[ADMIN_ID],
            clock=clock,
            **rules,
        )

    return build


async def _outbox(shop: Shop, order_id: str) -> list[OutboxMessage]:
    async with shop.storage.db.read() as conn:
        return await OutboxRepository(conn).list_for_order(order_id)


def _notices(messages: list[OutboxMessage]) -> list[str]:
    return [json.loads(m.payload).get("notice", m.kind) for m in messages if m.chat_id == USER_ID]


def _alerts(messages: list[OutboxMessage]) -> list[tuple[int, str]]:
    return [(m.chat_id, json.loads(m.payload)["alert"]) for m in messages if m.kind == "alert"]


async def test_a_refused_refund_is_retried_with_backoff_then_handed_to_a_person(
    shop: Shop, refunder: CountingRefunder, clock: Clock, service: Callable[..., FulfilmentService]
) -> None:
    fulfilment = service(retry=RetryRules(refund_rejections=3))
    refunder.refuse = True
    order = await shop.paid_order("test-decline")
    assert (await fulfilment.fulfil(order.id)).status is S.FAILED
    assert len(refunder.calls) == 1
    # Within the backoff, recovery passes do not call Telegram again.
    for _ in range(5):
        await fulfilment.recover()
    assert len(refunder.calls) == 1
    clock.advance(timedelta(minutes=1))
    await fulfilment.recover()
    assert len(refunder.calls) == 2
    clock.advance(timedelta(minutes=2))
    stuck = await fulfilment.fulfil(order.id)
    assert stuck.status is S.NEEDS_ATTENTION
    assert stuck.attention_reason == "refund rejected by Telegram"
    assert len(refunder.calls) == 3, "a bounded number of tries, then a person"
    clock.advance(timedelta(hours=5))
    await fulfilment.recover()
    assert len(refunder.calls) == 3, "nothing automatic after that"
    messages = await _outbox(shop, order.id)
    assert _notices(messages) == ["support"]
    assert _alerts(messages) == [(ADMIN_ID, "needs_attention")]


async def test_an_order_past_its_deadline_goes_to_a_person_and_a_late_delivery_still_arrives(
    shop: Shop, clock: Clock, supplier: SupplierClient, service: Callable[..., FulfilmentService]
) -> None:
    fulfilment = service(deadlines=Deadlines(pending=timedelta(minutes=30)))
    order = await shop.paid_order("test-pending")
    pending = await fulfilment.fulfil(order.id)
    assert pending.status is S.PENDING and pending.supplier_order_id is not None
    clock.advance(timedelta(minutes=31))
    await fulfilment.recover()
    late = await shop.order(order.id)
    assert (late.status, late.attention_reason) == (S.NEEDS_ATTENTION, DEADLINE)
    messages = await _outbox(shop, order.id)
    assert _notices(messages) == ["processing", "delayed"]
    assert _alerts(messages) == [(ADMIN_ID, "needs_attention")]
    await fulfilment.recover()
    assert len(_alerts(await _outbox(shop, order.id))) == 1, "alerted once, not every pass"
    # The supplier fulfils it after all: its webhook still gets the codes to the customer.
    await _wait_for_supplier_status(supplier, pending.supplier_order_id, "completed")
    reference = await reference_of(shop.storage.db, order.id)
    done = await fulfilment.on_supplier_update(reference, pending.supplier_order_id)
    assert done is not None and done.status is S.DELIVERED
    assert _notices(await _outbox(shop, order.id)) == ["processing", "delayed", "codes"]


async def test_an_overdue_pending_order_is_escalated_once(
    shop: Shop, clock: Clock, service: Callable[..., FulfilmentService], storage: Storage
) -> None:
    fulfilment = service(deadlines=Deadlines(ordering=timedelta(minutes=10)))
    order = await shop.paid_order("test-instant")
    async with storage.db.transaction() as conn:  # placed, but never confirmed: stuck
        await OrderRepository(conn).transition(
            order.id, expected=[S.PAID], to=S.ORDERING, now=clock()
        )
    clock.advance(timedelta(minutes=11))
    for _ in range(3):
        await fulfilment.recover()
    escalated = await shop.order(order.id)
    assert (escalated.status, escalated.attention_from) == (S.NEEDS_ATTENTION, S.ORDERING)
    assert _alerts(await _outbox(shop, order.id)) == [(ADMIN_ID, "needs_attention")]


async def _wait_for_supplier_status(
    supplier: SupplierClient, supplier_order_id: str, status: str
) -> None:
    """The sandbox moves scenario orders on its own timer, 50 ms here; with no webhook
    configured there is no event to await, so ask, within a bound."""
    for _ in range(200):
        if (await supplier.get_order(supplier_order_id)).status == status:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the sandbox never moved {supplier_order_id} to {status}")


async def test_a_supplier_void_after_delivery_refunds_once_and_tells_everyone(
    shop: Shop,
    clock: Clock,
    supplier: SupplierClient,
    refunder: CountingRefunder,
    service: Callable[..., FulfilmentService],
) -> None:
    fulfilment = service()
    order = await shop.paid_order("test-refund-later")
    delivered = await fulfilment.fulfil(order.id)
    assert delivered.status is S.DELIVERED and delivered.next_attempt_at is not None
    assert delivered.supplier_order_id is not None
    await _wait_for_supplier_status(supplier, delivered.supplier_order_id, "refunded")
    await fulfilment.recover()
    assert (await shop.order(order.id)).status is S.DELIVERED, "not re-checked before its time"
    # No webhook came (none is configured): the post-delivery re-check finds the void.
    clock.advance(timedelta(minutes=6))
    await fulfilment.recover()
    voided = await shop.order(order.id)
    assert voided.status is S.REFUNDED and voided.voided_at is not None
    assert refunder.calls == [order.telegram_payment_charge_id]
    clock.advance(timedelta(hours=30))
    await fulfilment.recover()
    assert refunder.calls == [order.telegram_payment_charge_id], "refunded once"
    async with shop.storage.db.read() as conn:
        timeline = await OrderRepository(conn).timeline(order.id)
    assert [t.to_status for t in timeline][-3:] == [S.DELIVERED, S.VOIDED, S.REFUNDED]
    messages = await _outbox(shop, order.id)
    assert _notices(messages) == ["codes", "voided"]
    assert _alerts(messages) == [(ADMIN_ID, "voided")]


async def test_a_delivered_order_is_re_checked_with_backoff_and_then_left_alone(
    shop: Shop,
    clock: Clock,
    service: Callable[..., FulfilmentService],
) -> None:
    fulfilment = service(retry=RetryRules(watch_first=timedelta(minutes=5)))
    order = await shop.paid_order("test-instant")
    delivered = await fulfilment.fulfil(order.id)
    checks = []
    for _ in range(40):
        clock.advance(timedelta(hours=1))
        before = await shop.order(order.id)
        await fulfilment.recover()
        after = await shop.order(order.id)
        if after.attempts != before.attempts:
            checks.append(after.attempts)
    final = await shop.order(order.id)
    assert final.status is S.DELIVERED and final.next_attempt_at is None
    assert 3 <= len(checks) <= 12, "doubling gaps over a day, not one call per tick"
    assert delivered.finished_at is not None


async def _paid_with_credit(storage: Storage, order_id: str, credit: int) -> Order:
    """A declined-at-the-supplier order of 800 Stars, `credit` of it paid from store credit
    (granted just before), the rest by a Stars charge."""
    now = datetime.now(UTC)
    async with storage.db.transaction() as conn:
        await CreditRepository(conn).add_credit(
            user_id=USER_ID, amount=credit, currency="XTR", reason="adjustment", now=now
        )
        orders = OrderRepository(conn)
        await orders.create_order(
            NewOrder(
                id=order_id,
                user_id=USER_ID,
                chat_id=USER_ID,
                sku="test-decline",
                quantity=1,
                currency="XTR",
                unit_price=800,
                wholesale_unit_price=900,
                wholesale_currency="USD",
                quote_expires_at=now + timedelta(minutes=15),
                credit_used=credit,
            ),
            now,
        )
        stars = 800 - credit
        paid = await orders.mark_paid(
            order_id,
            telegram_charge_id=f"ch-{order_id}" if stars else None,
            provider_charge_id=None,
            amount=stars,
            now=now,
        )
        assert await CreditRepository(conn).balance(USER_ID, "XTR") == 0, "spent at payment"
    return paid


async def test_credit_used_comes_back_when_the_order_fails(
    shop: Shop,  # the customer and the catalog
    storage: Storage,
    refunder: CountingRefunder,
    service: Callable[..., FulfilmentService],
) -> None:
    paid = await _paid_with_credit(storage, "GBCREDIT1", credit=500)
    assert (await service().fulfil(paid.id)).status is S.REFUNDED
    assert refunder.calls == ["ch-GBCREDIT1"]
    async with storage.db.read() as conn:
        credits = CreditRepository(conn)
        assert await credits.balance(USER_ID, "XTR") == 500
        reasons = [e.reason for e in await credits.list_credits(USER_ID)]
    assert reasons == ["adjustment", CreditReason.SPENT, CreditReason.RESTORED]


async def test_an_order_paid_wholly_with_credit_fails_back_to_credit_without_telegram(
    shop: Shop,
    storage: Storage,
    refunder: CountingRefunder,
    service: Callable[..., FulfilmentService],
) -> None:
    paid = await _paid_with_credit(storage, "GBCREDIT2", credit=800)
    assert paid.telegram_payment_charge_id is None
    assert (await service().fulfil(paid.id)).status is S.REFUNDED
    assert refunder.calls == []
    async with storage.db.read() as conn:
        assert await CreditRepository(conn).balance(USER_ID, "XTR") == 800


async def test_an_adopted_supplier_order_that_differs_is_not_delivered(
    shop: Shop, supplier: SupplierClient, service: Callable[..., FulfilmentService]
) -> None:
    order = await shop.paid_order("test-instant")
    # Something else placed two units under our reference (an old build, a person).
    reference = await open_attempt(shop.storage.db, order.id)
    await supplier.create_order("test-instant", 2, reference=reference)
    done = await service().fulfil(order.id)
    assert (done.status, done.attention_reason) == (S.NEEDS_ATTENTION, MISMATCH)
    messages = await _outbox(shop, order.id)
    assert "codes" not in _notices(messages)
    assert _alerts(messages) == [(ADMIN_ID, "needs_attention")]


async def test_the_same_order_over_the_price_ceiling_is_not_adopted(
    shop: Shop, supplier: SupplierClient, service: Callable[..., FulfilmentService]
) -> None:
    order: Order = await shop.paid_order("test-price-drift")
    ceiling = max_unit_price(order)
    for _ in range(10):  # every price read adds 1 %: push it past our ceiling
        await supplier.get_price("test-price-drift")
    reference = await open_attempt(shop.storage.db, order.id)
    await supplier.create_order("test-price-drift", 1, reference=reference)
    assert (await supplier.get_price("test-price-drift")).unit_price.amount > ceiling.amount
    done = await service().fulfil(order.id)
    assert (done.status, done.attention_reason) == (S.NEEDS_ATTENTION, MISMATCH)
    assert "codes" not in _notices(await _outbox(shop, order.id))


async def test_an_admin_refund_waits_for_a_supplier_order_in_flight(
    shop: Shop, sandbox: RunningSandbox, storage: Storage, refunder: CountingRefunder
) -> None:
    """test-slow holds the POST for a second: an operator's refund pressed meanwhile waits
    for it, finds the order delivered, and refunds nothing (the codes are the customer's)."""
    posting = asyncio.Event()

    class Announcing(SupplierClient):
        async def create_order(self, *args: Any, **kwargs: Any) -> SupplierOrder:
            posting.set()
            return await super().create_order(*args, **kwargs)

    patient = Announcing(sandbox.url, API_KEY, timeout=5.0)
    try:
        fulfilment = FulfilmentService(storage.db, storage.cipher, patient, refunder)
        actions = OrderActions(storage.db, fulfilment)
        order = await shop.paid_order("test-slow")
        placing = asyncio.create_task(fulfilment.fulfil(order.id))
        await posting.wait()  # the order is committed in 'ordering', the POST on its way
        result = await actions.refund(order.id, seen=S.ORDERING, admin_id=ADMIN_ID)
        delivered = await placing
    finally:
        await patient.close()
    assert delivered.status is S.DELIVERED
    assert result.outcome is Outcome.STALE
    assert (await shop.order(order.id)).status is S.DELIVERED
    assert refunder.calls == []
