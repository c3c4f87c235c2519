"""The payment intake over a real database: where each payment goes, and how a refund owed
is paid back once, retried with backoff, and left to a person when Telegram says no."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.payment_refunds import MAX_REFUND_ATTEMPTS, refund_backoff
from bot.services.payments import IncomingPayment, PaymentIntake, PaymentSource, classify
from bot.services.refunds import RefundRejected, RefundUnavailable
from storage.models import NewOrder, Order, OrderStatus
from storage.repositories import (
    OrderRepository,
    PaymentRepository,
    PaymentStatus,
    ProductData,
    ProductRepository,
    UserRepository,
)
from storage.store import Storage
from tests.support.shop import FakeRefunder

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
USER = 501
S = PaymentStatus


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ScriptedRefunder:
    """refundStarPayment answering from a script per charge (default: success); every
    call counted, and a second successful refund of one charge fails the test."""

    script: dict[str, list[Exception]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    refunded: set[str] = field(default_factory=set)
    gate: asyncio.Event | None = None  # when set, each call waits for it

    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        self.calls.append(telegram_charge_id)
        if self.gate is not None:
            await self.gate.wait()
        answers = self.script.get(telegram_charge_id)
        if answers:
            raise answers.pop(0)
        if telegram_charge_id in self.refunded:
            pytest.fail(f"charge {telegram_charge_id} refunded twice")
        self.refunded.add(telegram_charge_id)


async def _order(storage: Storage, order_id: str, *, stars: int = 300, credit: int = 0) -> Order:
    async with storage.db.transaction() as conn:
        await UserRepository(conn).upsert_user(USER, "Dan", "en", T0)
        await ProductRepository(conn).upsert_product(
            ProductData("psn-5", "PSN", "PSN 5", "US", 500, "USD", "", None, 5, True, None), T0
        )
        return await OrderRepository(conn).create_order(
            NewOrder(order_id, USER, USER, "psn-5", 1, "XTR", stars, 450, "USD", T0, credit), T0
        )


def _paid(
    charge: str,
    payload: str,
    amount: int = 300,
    *,
    user: int = USER,
    currency: str = "XTR",
    source: PaymentSource = PaymentSource.UPDATE,
) -> IncomingPayment:
    return IncomingPayment(charge, None, user, currency, amount, payload, T0, source)


async def _status(storage: Storage, charge: str) -> str | None:
    async with storage.db.read() as conn:
        found = await PaymentRepository(conn).find(charge)
    return found.status if found else None


async def _alerts(storage: Storage) -> list[str]:
    async with storage.db.read() as conn:
        cursor = await conn.execute("SELECT dedupe_key FROM outbox WHERE kind = 'alert'")
        return sorted(row[0] for row in await cursor.fetchall())


async def test_classification_of_every_kind_of_payment(storage: Storage) -> None:
    order = await _order(storage, "GBCLASS00001")
    stars = _paid("c", order.id)
    card = _paid("c", order.id, currency="USD")
    assert classify(None, stars)[0] is S.UNMATCHED
    assert classify(None, card)[0] is S.REFUND_DUE  # a person refunds it outside Telegram
    assert classify(order, stars) == (S.APPLIED, None)
    assert classify(replace(order, status=OrderStatus.EXPIRED), stars)[0] is S.APPLIED
    for status in OrderStatus:
        if status not in (OrderStatus.QUOTED, OrderStatus.EXPIRED):
            moved = replace(order, status=status)
            assert classify(moved, stars) == (S.REFUND_OWED, f"order {order.id} is {status}")
    assert classify(order, replace(stars, user_id=USER + 1))[0] is S.REFUND_OWED
    assert classify(order, replace(stars, amount=299))[0] is S.REFUND_OWED
    assert classify(order, card)[0] is S.REFUND_DUE
    # With store credit, the invoice asked for the price less the credit: that is the match.
    with_credit = replace(order, credit_used=100)
    assert classify(with_credit, replace(stars, amount=200))[0] is S.APPLIED
    assert classify(with_credit, stars)[0] is S.REFUND_OWED


async def test_payment_is_stored_with_its_order_in_one_step(storage: Storage) -> None:
    order = await _order(storage, "GBSTORE00001", stars=300, credit=100)
    intake = PaymentIntake(storage.db, ScriptedRefunder(), admin_ids=[], clock=Clock())
    taken = await intake.take(_paid("ch-1", order.id, amount=200))
    assert taken.is_new and taken.status is S.APPLIED
    assert taken.order is not None and taken.order.status is OrderStatus.PAID
    again = await intake.take(_paid("ch-1", order.id, amount=200))
    assert not again.is_new and again.order is not None and again.order.id == order.id
    async with storage.db.read() as conn:
        stored = await PaymentRepository(conn).find("ch-1")
        paid = await OrderRepository(conn).get_order(order.id)
    assert stored is not None and (stored.order_id, stored.amount) == (order.id, 200)
    assert (paid.telegram_payment_charge_id, paid.paid_amount) == ("ch-1", 200)


async def test_refused_refund_is_retried_with_backoff_then_left_to_a_person(
    storage: Storage,
) -> None:
    order = await _order(storage, "GBREFUSE0001")
    clock = Clock()
    refunder = ScriptedRefunder(script={"ch-2": [RefundRejected("NO")] * 10})
    intake = PaymentIntake(storage.db, refunder, admin_ids=[1000, 1001], clock=clock)
    await intake.take(_paid("ch-1", order.id))
    taken = await intake.take(_paid("ch-2", order.id))  # a second payment of one quote
    assert taken.status is S.REFUND_OWED and refunder.calls == ["ch-2"]

    for attempts in range(1, MAX_REFUND_ATTEMPTS):
        clock.now += refund_backoff(attempts - 1) - timedelta(seconds=1)
        assert await intake.refund_owed() == 0
        assert len(refunder.calls) == attempts, "not before its time"
        clock.now += timedelta(seconds=1)
        await intake.refund_owed()
        assert len(refunder.calls) == attempts + 1
    assert await _status(storage, "ch-2") == S.REFUND_FAILED
    assert await _alerts(storage) == [
        "alert:refund_failed:ch-2::1000",
        "alert:refund_failed:ch-2::1001",
    ]
    clock.now += timedelta(days=1)
    await intake.refund_owed()
    assert len(refunder.calls) == MAX_REFUND_ATTEMPTS, "a person decides now"


async def test_telegram_unreachable_is_retried_until_the_refund_goes_through(
    storage: Storage,
) -> None:
    order = await _order(storage, "GBUNREACH001")
    clock = Clock()
    down: list[Exception] = [RefundUnavailable("network")] * (MAX_REFUND_ATTEMPTS + 3)
    refunder = ScriptedRefunder(script={"ch-x": down})
    intake = PaymentIntake(storage.db, refunder, admin_ids=[1000], clock=clock)
    await intake.take(_paid("ch-x", order.id, user=USER + 1))  # another user's order
    while await _status(storage, "ch-x") == S.REFUND_OWED:
        clock.now += timedelta(hours=1)
        await intake.refund_owed()
    assert await _status(storage, "ch-x") == S.REFUNDED
    assert len(refunder.calls) == MAX_REFUND_ATTEMPTS + 4
    assert await _alerts(storage) == []


async def test_one_payment_failing_never_blocks_the_others(storage: Storage) -> None:
    order = await _order(storage, "GBBLOCK00001")
    clock = Clock()
    refunder = ScriptedRefunder(
        script={"ch-a": [RefundUnavailable("x"), RuntimeError("a bug"), RuntimeError("a bug")]}
    )
    intake = PaymentIntake(storage.db, refunder, admin_ids=[], clock=clock)
    await intake.take(_paid("ch-0", order.id))
    await intake.take(_paid("ch-a", order.id))  # refund postponed
    refunder.script["ch-b"] = [RefundUnavailable("x")]
    await intake.take(_paid("ch-b", order.id))
    clock.now += timedelta(hours=1)
    assert await intake.refund_owed() == 1  # ch-a raises a bug; ch-b still goes back
    async with storage.db.read() as conn:
        stuck = await PaymentRepository(conn).find("ch-a")
    # The bug counts as a try: backoff, then a person, not a call every minute for ever.
    assert stuck is not None and (stuck.status, stuck.attempts) == (S.REFUND_OWED, 2)
    assert stuck.next_attempt_at == clock.now + refund_backoff(1)
    assert await _status(storage, "ch-b") == S.REFUNDED


async def test_concurrent_refund_tries_ask_telegram_once(storage: Storage) -> None:
    order = await _order(storage, "GBRACE000001")
    clock = Clock()
    refunder = ScriptedRefunder(script={"ch-r": [RefundUnavailable("x")]})
    intake = PaymentIntake(storage.db, refunder, admin_ids=[], clock=clock)
    await intake.take(_paid("ch-0", order.id))
    await intake.take(_paid("ch-r", order.id))
    clock.now += timedelta(hours=1)
    refunder.gate = asyncio.Event()
    tries = asyncio.gather(
        intake.refund_owed(), intake.refunds.refund("ch-r"), intake.refund_owed()
    )
    await asyncio.sleep(0)  # let the first try reach Telegram and wait there
    refunder.gate.set()
    await tries
    assert refunder.calls == ["ch-r", "ch-r"]  # the postponed try, then exactly one more
    assert await _status(storage, "ch-r") == S.REFUNDED


async def test_unmatched_and_card_payments_alert_admins_and_refund_nothing(
    storage: Storage,
) -> None:
    order = await _order(storage, "GBCARD000001")
    refunder = ScriptedRefunder()
    intake = PaymentIntake(storage.db, refunder, admin_ids=[1000], clock=Clock())
    assert (await intake.take(_paid("u-1", "GBELSEWHERE"))).status is S.UNMATCHED
    card_elsewhere = await intake.take(_paid("u-2", "GBELSEWHERE", currency="EUR"))
    assert card_elsewhere.status is S.REFUND_DUE
    card = await intake.take(_paid("c-1", order.id, amount=999, currency="EUR"))
    assert card.status is S.REFUND_DUE
    assert refunder.calls == []
    assert await _alerts(storage) == [
        "alert:refund_due:c-1::1000",
        "alert:refund_due:u-2::1000",
        "alert:unmatched_payment:u-1::1000",
    ]
    async with storage.db.read() as conn:
        assert await PaymentRepository(conn).refunds_due(T0 + timedelta(days=9)) == []


async def test_the_fulfilment_fake_refunder_fails_a_double_refund() -> None:
    # Issue 8 §7: the fake used to ignore a repeated charge, hiding double refunds.
    refunder = FakeRefunder()
    await refunder.refund_stars(user_id=1, telegram_charge_id="ch")
    with pytest.raises(pytest.fail.Exception, match="refunded twice"):
        await refunder.refund_stars(user_id=1, telegram_charge_id="ch")
    assert refunder.calls == ["ch", "ch"] and refunder.refunded == ["ch", "ch"]
