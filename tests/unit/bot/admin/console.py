"""The console through the real Dispatcher: admin 1, customer 42; the supplier scripted,
fulfilment real (its refunds recorded), storage real."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.methods import GetStarTransactions, TelegramMethod
from aiogram.types import StarTransaction, StarTransactions

from bot.services.catalog import CatalogService
from bot.services.console import console_services
from bot.services.fulfilment import FulfilmentService
from storage.models import NewOrder, Order, OrderStatus
from storage.repositories import OrderRepository, UserRepository
from storage.store import Storage
from supplier.errors import SupplierTimeout
from tests.support.fake_supplier import FakeSupplier
from tests.unit.bot.harness import NOW, TOKEN, CountingRefunder, Harness, RecordingSession

ADMIN = 1
CUSTOMER = 42
S = OrderStatus


class ConsoleSession(RecordingSession):
    """The harness's session, plus Telegram's Stars history."""

    def __init__(self) -> None:
        super().__init__()
        self.star_transactions: list[StarTransaction] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        if isinstance(method, GetStarTransactions):
            self.calls.append(method)
            start = method.offset or 0
            return StarTransactions(
                transactions=self.star_transactions[start : start + (method.limit or 100)]
            )
        return await super().make_request(bot, method, timeout)


@dataclass
class RecordingRefunder(CountingRefunder):
    """Telegram's refundStarPayment; every call recorded, a second one too, so an assertion
    on `calls` sees it (the harness's refunder raises instead, which a handler's error
    boundary could hide)."""

    async def refund_stars(self, *, user_id: int, telegram_charge_id: str) -> None:
        self.calls.append((user_id, telegram_charge_id))


class Console(Harness):
    session: ConsoleSession

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage, admin_ids=str(ADMIN))
        self.session = ConsoleSession()
        self.bot = Bot(TOKEN, session=self.session)
        # The supplier the console and fulfilment see; it takes no orders (each attempt
        # times out), so an order handed to fulfilment stays where the test put it.
        self.scripted = FakeSupplier(
            now=NOW,
            failing={
                "create_order": SupplierTimeout("scripted: the supplier does not answer"),
                "find_order_by_reference": SupplierTimeout(
                    "scripted: the supplier does not answer"
                ),
            },
        )
        self.refunder = RecordingRefunder()
        self.wakes = 0
        self.real_fulfilment = FulfilmentService(
            storage.db,
            storage.cipher,
            self.scripted,
            self.refunder,
            admins=[ADMIN],
            clock=lambda: NOW,
        )
        catalog = CatalogService(storage.db, self.scripted)
        services = console_services(
            storage,
            self.settings,
            supplier=self.scripted,
            catalog=catalog,
            fulfilment=self.real_fulfilment,
            on_outbox=self._woken,
            # An hour after the harness's orders were paid (today's stats see them).
            clock=lambda: NOW + timedelta(hours=1),
        )
        for name, service in services.items():
            self.dp[name] = service

    def _woken(self) -> None:
        self.wakes += 1

    async def order(
        self, status: OrderStatus, *, order_id: str = "GBTEST00001", **kw: Any
    ) -> Order:
        """An order of customer 42 moved along allowed transitions to `status`."""
        async with self.storage.db.transaction() as conn:
            await UserRepository(conn).upsert_user(CUSTOMER, "Ann", "en", NOW)
            orders = OrderRepository(conn)
            await orders.create_order(
                NewOrder(
                    id=order_id,
                    user_id=CUSTOMER,
                    chat_id=CUSTOMER,
                    sku="steam-us-20",
                    quantity=kw.get("quantity", 1),
                    currency="XTR",
                    unit_price=1700,
                    wholesale_unit_price=1900,
                    wholesale_currency="USD",
                    quote_expires_at=NOW + timedelta(minutes=15),
                ),
                NOW,
            )
            if status in (S.QUOTED,):
                return await orders.get_order(order_id)
            await orders.mark_paid(
                order_id,
                telegram_charge_id=f"charge-{order_id}",
                provider_charge_id=None,
                amount=1700 * kw.get("quantity", 1),
                now=NOW,
            )
            path = {
                S.PAID: [],
                S.ORDERING: [S.ORDERING],
                S.PENDING: [S.ORDERING, S.PENDING],
                S.DELIVERED: [S.ORDERING, S.DELIVERED],
                S.FAILED: [S.ORDERING, S.FAILED],
                S.REFUND_DUE: [S.ORDERING, S.FAILED, S.REFUND_DUE],
                S.NEEDS_ATTENTION: [S.ORDERING, S.NEEDS_ATTENTION],
            }[status]
            current = S.PAID
            for step in path:
                extra: dict[str, Any] = {}
                if step is S.DELIVERED:
                    extra = {"supplier_order_id": f"so-{order_id}", "fulfilled_quantity": 1}
                await orders.transition(
                    order_id,
                    expected=[current],
                    to=step,
                    now=NOW,
                    reason="deadline" if step is S.NEEDS_ATTENTION else None,
                    **extra,
                )
                current = step
            return await orders.get_order(order_id)

    async def notices(self) -> list[tuple[int, str]]:
        async with self.storage.db.read() as conn:
            cursor = await conn.execute(
                "SELECT chat_id, payload FROM outbox WHERE kind = 'notice' ORDER BY id"
            )
            return [(row[0], json.loads(row[1])["notice"]) for row in await cursor.fetchall()]

    async def status_of(self, order_id: str) -> OrderStatus:
        async with self.storage.db.read() as conn:
            return (await OrderRepository(conn).get_order(order_id)).status
