"""The outbox sender against a Bot whose calls fail on cue: parts resume where they stopped,
a dead codes message alerts the admins, and alerts reach them in their language."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message

from bot.i18n import create_i18n
from bot.services.alerts import AlertKind, queue_alert
from bot.services.order_queries import OrderQueries
from bot.services.outbox_sender import (
    BAD_REQUEST_ATTEMPTS,
    OutboxSender,
    moves_to_attention_on_dead_codes,
)
from storage.models import Code, NewOrder, OrderStatus, OutboxMessage
from storage.order_states import STEP_OWED, Step, is_allowed
from storage.repositories import (
    CodeRepository,
    OrderRepository,
    OutboxRepository,
    ProductData,
    ProductRepository,
    UserRepository,
)
from storage.store import Storage

TOKEN = "123456:" + "A" * 35
CUSTOMER = 42
ADMINS = (1, 2)
ORDER_ID = "GBOUTBOX1"
CODE = "SECRET-CODE-42"
# Long enough that the delivery needs three messages.
INSTRUCTIONS = "\n".join(f"Step {n}: " + "redeem carefully " * 12 for n in range(1, 30))
FailPlan = dict[int, Exception]  # the n-th sendMessage (1-based) raises this


class ScriptedSession(BaseSession):
    """The Bot API: sendMessage succeeds unless the plan says that call fails."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SendMessage] = []  # the calls Telegram accepted
        self.calls = 0
        self.plan: FailPlan = {}
        self.in_flight: list[int] = []  # the chat of each call under way
        self.most_at_once = 0

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        assert isinstance(method, SendMessage)
        self.calls += 1
        failure = self.plan.pop(self.calls, None)
        if failure is not None:
            raise failure
        chat_id = int(method.chat_id)
        assert chat_id not in self.in_flight, "two messages to one chat at once"
        self.in_flight.append(chat_id)
        self.most_at_once = max(self.most_at_once, len(self.in_flight))
        await asyncio.sleep(0)  # the round trip: other sends may start meanwhile
        self.in_flight.remove(chat_id)
        self.sent.append(method)
        return Message(
            message_id=self.calls,
            date=datetime(2026, 1, 1, tzinfo=UTC),
            chat=Chat(id=int(method.chat_id), type="private"),
            text=method.text,
        )

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""  # pragma: no cover


@dataclass
class Clock:
    now: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def later(self, hours: int = 2) -> None:
        self.now += timedelta(hours=hours)


@dataclass
class Outbox:
    storage: Storage
    session: ScriptedSession
    sender: OutboxSender
    clock: Clock

    def sent_to(self, chat_id: int) -> list[str]:
        return [m.text for m in self.session.sent if m.chat_id == chat_id]

    async def rows(self) -> list[OutboxMessage]:
        """The codes message and any alert about the order, oldest first."""
        async with self.storage.db.read() as conn:
            return await OutboxRepository(conn).list_for_order(ORDER_ID)

    async def order_status(self) -> OrderStatus:
        async with self.storage.db.read() as conn:
            return (await OrderRepository(conn).get_order(ORDER_ID)).status


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def outbox(storage: Storage, clock: Clock) -> Outbox:
    """A delivered order whose codes message (three parts) is queued, nothing sent yet."""
    now = clock()
    async with storage.db.transaction() as conn:
        users = UserRepository(conn)
        await users.upsert_user(CUSTOMER, "Ann", "en", now)
        await users.upsert_user(ADMINS[1], "Boris", "ru", now)  # admin 1 never wrote to us
        await ProductRepository(conn).upsert_product(
            ProductData(
                sku="steam-us-20",
                brand="Steam",
                name="Steam Gift Card 20 US",
                region="US",
                face_value=2000,
                face_currency="USD",
                redemption_instructions=INSTRUCTIONS,
                redemption_url=None,
                max_quantity=5,
                active=True,
                supplier_updated_at=None,
            ),
            now,
        )
        orders = OrderRepository(conn)
        await orders.create_order(
            NewOrder(
                id=ORDER_ID,
                user_id=CUSTOMER,
                chat_id=CUSTOMER,
                sku="steam-us-20",
                quantity=1,
                currency="XTR",
                unit_price=1693,
                wholesale_unit_price=2000,
                wholesale_currency="USD",
                quote_expires_at=now + timedelta(minutes=15),
            ),
            now,
        )
        await orders.mark_paid(
            ORDER_ID, telegram_charge_id="c1", provider_charge_id=None, amount=1693, now=now
        )
        await orders.transition(
            ORDER_ID, expected=[OrderStatus.PAID], to=OrderStatus.ORDERING, now=now
        )
        await CodeRepository(conn, storage.cipher).add_codes(ORDER_ID, [Code(code=CODE)], now)
        await orders.transition(
            ORDER_ID, expected=[OrderStatus.ORDERING], to=OrderStatus.DELIVERED, now=now
        )
        await OutboxRepository(conn).enqueue(
            chat_id=CUSTOMER, kind="codes", order_id=ORDER_ID, dedupe_key="codes:x", now=now
        )
    session = ScriptedSession()
    sender = OutboxSender(
        storage.db,
        OrderQueries(storage.db, storage.cipher),
        Bot(TOKEN, session=session),
        create_i18n("en"),
        admins=ADMINS,
        clock=clock,
    )
    return Outbox(storage, session, sender, clock)


def _method() -> SendMessage:
    return SendMessage(chat_id=CUSTOMER, text="x")


def _part(n: int) -> str:
    return f"part {n} of 3"


def _count(texts: list[str], needle: str) -> int:
    return sum(needle in text for text in texts)


async def test_the_delivery_really_has_three_parts(outbox: Outbox) -> None:
    assert await outbox.sender.drain() == 3
    texts = outbox.sent_to(CUSTOMER)
    assert [_count(texts, _part(n)) for n in (1, 2, 3)] == [1, 1, 1]
    assert _count(texts, CODE) == 1
    [row] = await outbox.rows()
    assert (row.status, row.parts_sent) == ("sent", 3)


async def test_a_failure_on_part_two_resumes_at_part_two(outbox: Outbox) -> None:
    outbox.session.plan = {2: TelegramNetworkError(_method(), "connection reset")}
    assert await outbox.sender.drain() == 1
    [row] = await outbox.rows()
    assert (row.status, row.parts_sent, row.attempts) == ("pending", 1, 1)
    assert await outbox.sender.drain() == 0  # not due before its backoff
    outbox.clock.later()
    assert await outbox.sender.drain() == 2
    texts = outbox.sent_to(CUSTOMER)
    # The code (in part 1) reached the customer once, and every part exactly once.
    assert [_count(texts, _part(n)) for n in (1, 2, 3)] == [1, 1, 1]
    assert _count(texts, CODE) == 1
    [row] = await outbox.rows()
    assert (row.status, row.parts_sent) == ("sent", 3)


async def test_flood_control_keeps_the_parts_already_sent(outbox: Outbox) -> None:
    outbox.session.plan = {3: TelegramRetryAfter(_method(), "Too Many Requests", retry_after=7)}
    assert await outbox.sender.drain() == 2
    [row] = await outbox.rows()
    assert row.parts_sent == 2 and row.next_attempt_at == outbox.clock() + timedelta(seconds=7)
    outbox.clock.later()
    assert await outbox.sender.drain() == 1
    assert [_count(outbox.sent_to(CUSTOMER), _part(n)) for n in (1, 2, 3)] == [1, 1, 1]


async def test_a_bad_request_on_a_later_part_is_retried_before_it_is_final(outbox: Outbox) -> None:
    outbox.session.plan = {2: TelegramBadRequest(_method(), "Bad Request: odd glitch")}
    await outbox.sender.drain()
    outbox.clock.later()
    await outbox.sender.drain()
    [row] = await outbox.rows()
    assert (row.status, row.parts_sent) == ("sent", 3)
    assert await outbox.order_status() is OrderStatus.DELIVERED
    assert outbox.sent_to(ADMINS[0]) == []  # a passing Bad Request alerts nobody


async def test_a_persistent_bad_request_kills_the_message_and_alerts_the_admins(
    outbox: Outbox,
) -> None:
    error = "Bad Request: can't parse entities"
    # Part 1 goes out; part 2 is refused on every try.
    outbox.session.plan = {
        call: TelegramBadRequest(_method(), error) for call in range(2, 2 + BAD_REQUEST_ATTEMPTS)
    }
    for _ in range(BAD_REQUEST_ATTEMPTS):
        await outbox.sender.drain()
        outbox.clock.later()
    codes, *alerts = await outbox.rows()
    assert (codes.status, codes.parts_sent, codes.last_error) == ("dead", 1, error)
    assert _count(outbox.sent_to(CUSTOMER), _part(1)) == 1  # never sent twice
    # The order keeps its codes (readable in /orders): delivered stays delivered.
    assert await outbox.order_status() is OrderStatus.DELIVERED
    assert sorted(a.chat_id for a in alerts) == list(ADMINS)
    assert {a.status for a in alerts} == {"sent"}  # the same drain sent them
    [english] = outbox.sent_to(ADMINS[0])
    [russian] = outbox.sent_to(ADMINS[1])
    assert english == f"⚠️ Order <code>{ORDER_ID}</code> needs attention: codes message dead"
    assert f"<code>{ORDER_ID}</code>" in russian and "требует внимания" in russian
    assert CODE not in english + russian


async def test_a_blocked_bot_kills_the_codes_message_at_once(outbox: Outbox) -> None:
    outbox.session.plan = {1: TelegramForbiddenError(_method(), "Forbidden: bot was blocked")}
    await outbox.sender.drain()
    codes, *alerts = await outbox.rows()
    assert (codes.status, codes.parts_sent, codes.attempts) == ("dead", 0, 1)
    assert outbox.sent_to(CUSTOMER) == []
    assert len(alerts) == len(ADMINS) and len(outbox.sent_to(ADMINS[0])) == 1
    payload = json.loads(alerts[0].payload)
    assert payload == {
        "alert": AlertKind.NEEDS_ATTENTION.value,
        "subject": ORDER_ID,
        "reason": "codes message dead",
    }


@pytest.mark.parametrize("status", list(OrderStatus))
def test_a_dead_codes_message_never_stops_what_an_order_still_owes(status: OrderStatus) -> None:
    moves = moves_to_attention_on_dead_codes(status)
    # Delivered and partial orders keep their status (the codes are stored and in /orders);
    # a voided order keeps owing its refund.
    if status in (OrderStatus.DELIVERED, OrderStatus.PARTIAL, OrderStatus.VOIDED):
        assert not moves
    if moves:
        assert is_allowed(status, OrderStatus.NEEDS_ATTENTION)
        assert STEP_OWED[status] not in (Step.PLACE, Step.POLL, Step.REFUND)


async def test_a_dead_alert_raises_no_alert_of_its_own(outbox: Outbox) -> None:
    async with outbox.storage.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET status = 'sent'")  # the codes went out
        await queue_alert(
            conn, ADMINS, AlertKind.VOIDED, ORDER_ID, outbox.clock(), order_id=ORDER_ID
        )
    outbox.session.plan = {1: TelegramForbiddenError(_method(), "Forbidden: bot was blocked")}
    await outbox.sender.drain()
    statuses = [(r.chat_id, r.kind, r.status) for r in await outbox.rows()]
    assert statuses == [
        (CUSTOMER, "codes", "sent"),
        (ADMINS[0], "alert", "dead"),
        (ADMINS[1], "alert", "sent"),
    ]
    assert outbox.sent_to(ADMINS[1]) == [f"↩️ Заказ <code>{ORDER_ID}</code> аннулирован поставщиком"]


@pytest.fixture(autouse=True)
def _no_leaked_codes(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield
    assert CODE not in caplog.text


async def test_an_alert_about_no_order_reaches_every_admin(outbox: Outbox) -> None:
    async with outbox.storage.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET status = 'sent'")  # only the alert is due
        await queue_alert(
            conn,
            ADMINS,
            AlertKind.UNMATCHED_PAYMENT,
            "ch_77",
            outbox.clock(),
            details={"user": 77, "amount": 150, "currency": "XTR"},
        )
    assert await outbox.sender.drain() == 2
    assert outbox.sent_to(ADMINS[0]) == [
        "💸 Payment <code>ch_77</code> matches no order\nUser <code>77</code>\nAmount: ⭐ 150"
    ]
    [russian] = outbox.sent_to(ADMINS[1])
    assert russian.startswith("💸 Платёж <code>ch_77</code>")


async def test_chats_are_sent_to_at_once_each_in_its_own_order(outbox: Outbox) -> None:
    """The three parts of the codes go out in order, one at a time, while the admins'
    alerts go out alongside them (the session refuses two calls to one chat at once)."""
    async with outbox.storage.db.transaction() as conn:
        await queue_alert(
            conn, ADMINS, AlertKind.VOIDED, ORDER_ID, outbox.clock(), order_id=ORDER_ID
        )
    assert await outbox.sender.drain() == 5
    assert outbox.session.most_at_once == 3
    parts = outbox.sent_to(CUSTOMER)
    assert [_part(n) in parts[n - 1] for n in (1, 2, 3)] == [True, True, True]
    assert all(len(outbox.sent_to(admin)) == 1 for admin in ADMINS)
