"""What a customer may see of their own orders. Ownership is checked here, once."""

from __future__ import annotations

from dataclasses import dataclass

from storage.cipher import CodeCipher
from storage.database import Database
from storage.models import Code, CreditEntry, Order, Product
from storage.order_states import HAS_CODES
from storage.repositories import (
    CodeRepository,
    CreditRepository,
    OrderRepository,
    ProductRepository,
)


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True)
class OrderDetails:
    order: Order
    product: Product
    codes: list[Code]  # empty unless the order delivered codes


@dataclass(frozen=True, slots=True)
class CreditSummary:
    balances: dict[str, int]  # currency → balance, for every currency with movements
    recent: list[CreditEntry]  # newest first

    @property
    def any(self) -> bool:
        return bool(self.recent)


class OrderQueries:
    def __init__(self, db: Database, cipher: CodeCipher) -> None:
        self._db = db
        self._cipher = cipher

    async def page_for_user(self, user_id: int, page: int, page_size: int = 5) -> OrderPage:
        page = max(0, page)
        async with self._db.read() as conn:
            repo = OrderRepository(conn)
            total = await repo.count_orders_for_user(user_id)
            orders = await repo.list_orders_for_user(
                user_id, limit=page_size, offset=page * page_size
            )
        return OrderPage(orders=orders, total=total, page=page, page_size=page_size)

    async def details_for_user(self, user_id: int, order_id: str) -> OrderDetails | None:
        """The order with its codes, only for its owner; None for anyone else."""
        async with self._db.read() as conn:
            order = await OrderRepository(conn).find_order(order_id)
            if order is None or order.user_id != user_id:
                return None
            product = await ProductRepository(conn).get_product(order.sku)
            codes = (
                await CodeRepository(conn, self._cipher).list_codes(order.id)
                # A voided order's codes stay visible, marked as revoked.
                if order.status in HAS_CODES or order.voided_at is not None
                else []
            )
        return OrderDetails(order=order, product=product, codes=codes)

    async def credit_for_user(self, user_id: int, recent: int = 10) -> CreditSummary:
        """The user's store credit: balance per currency and the latest movements."""
        async with self._db.read() as conn:
            entries = await CreditRepository(conn).list_credits(user_id)
        balances: dict[str, int] = {}
        for entry in entries:
            balances[entry.currency] = balances.get(entry.currency, 0) + entry.amount
        return CreditSummary(balances=balances, recent=entries[::-1][:recent])
