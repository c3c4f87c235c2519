"""What an operator may see of any order: lists and details, codes masked.

A full code never leaves this module: details carry only `mask_code` of each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.cipher import CodeCipher
from storage.database import Database
from storage.models import Order, OrderStatus, OrderTransition, Product
from storage.repositories import CodeRepository, OrderRepository, ProductRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.supplier_attempts import SupplierAttempt, SupplierAttemptRepository

ORDERS_PAGE_SIZE = 8
SHOWN_TAIL = 4


def mask_code(code: str) -> str:
    """'••••' and the last 4 characters; a short code shows at most half of itself, so the
    mask never gives a whole code away."""
    shown = min(SHOWN_TAIL, len(code) // 2)
    return "••••" + (code[-shown:] if shown else "")


@dataclass(frozen=True, slots=True)
class AdminOrderPage:
    orders: list[Order]
    total: int
    page: int
    status: OrderStatus | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // ORDERS_PAGE_SIZE))


@dataclass(frozen=True, slots=True)
class MaskedCode:
    code: str  # masked
    serial: str | None


@dataclass(frozen=True, slots=True)
class AdminOrderDetails:
    order: Order
    product: Product | None
    timeline: list[OrderTransition]
    codes: list[MaskedCode]
    attempts: list[SupplierAttempt] = field(default_factory=list)  # at the suppliers


class AdminOrders:
    def __init__(self, db: Database, cipher: CodeCipher) -> None:
        self._db = db
        self._cipher = cipher

    async def page(self, status: OrderStatus | None, page: int) -> AdminOrderPage:
        statuses = [status] if status is not None else None
        page = max(0, page)
        async with self._db.read() as conn:
            reports = ReportRepository(conn)
            total = await reports.count_orders(statuses)
            orders = await reports.list_orders(
                statuses, limit=ORDERS_PAGE_SIZE, offset=page * ORDERS_PAGE_SIZE
            )
        return AdminOrderPage(orders=orders, total=total, page=page, status=status)

    async def details(self, order_id: str) -> AdminOrderDetails | None:
        async with self._db.read() as conn:
            orders = OrderRepository(conn)
            order = await orders.find_order(order_id)
            if order is None:
                return None
            product = await ProductRepository(conn).find_product(order.sku)
            timeline = await orders.timeline(order.id)
            codes = await CodeRepository(conn, self._cipher).list_codes(order.id)
            attempts = await SupplierAttemptRepository(conn).list_for(order.id)
        masked = [MaskedCode(code=mask_code(code.code), serial=code.serial) for code in codes]
        return AdminOrderDetails(
            order=order, product=product, timeline=timeline, codes=masked, attempts=attempts
        )
