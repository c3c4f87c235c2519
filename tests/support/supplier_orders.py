"""Orders for `decide`'s tests: one of ours in any status, and a supplier's answer."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.services.supplier_outcome import DEADLINE
from storage.models import Order, OrderStatus
from supplier.models import Code, Money
from supplier.models import Order as SupplierOrder
from tests.support.orders import NOW, make_order

S = OrderStatus

ORDER = make_order(
    id="GB1",
    user_id=1,
    chat_id=1,
    unit_price=1700,
    total_price=3400,
    status=S.ORDERING,
    paid_amount=3400,
    telegram_payment_charge_id="ch",
    supplier_order_id=None,
    supplier_status=None,
    supplier_version=0,
    fulfilled_quantity=0,
    finished_at=None,
)


def supplier_order(
    status: str, *, codes: int = 2, version: int = 2, **over: object
) -> SupplierOrder:
    fields: dict[str, object] = {
        "order_id": "sup-1",
        "reference": "GB1",
        "sku": "steam-us-20",
        "quantity": 2,
        "status": status,
        "unit_price": Money(amount=2000, currency="USD"),
        "total": Money(amount=4000, currency="USD"),
        "fulfilled_quantity": codes,
        "codes": [Code(code=f"CODE-{i}") for i in range(codes)],
        "failure_reason": "out_of_stock" if status == "failed" else None,
        "created_at": NOW,
        "updated_at": NOW,
        "version": version,
    }
    return SupplierOrder.model_validate(fields | over)


def order_in(status: OrderStatus, **over: Any) -> Order:
    extra: dict[str, Any] = {}
    if status is S.NEEDS_ATTENTION:
        extra = {"attention_reason": DEADLINE, "attention_from": S.PENDING}
    return dataclasses.replace(ORDER, status=status, **(extra | over))
