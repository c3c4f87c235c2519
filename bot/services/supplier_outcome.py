"""What a supplier order's state means for ours, applied in the caller's transaction.

Codes, the new status, any store credit and the customer's messages are written
together: either all of it happened or none of it did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.cipher import CodeCipher
from storage.models import Code, Order, OrderStatus
from storage.repositories import (
    CodeRepository,
    CreditRepository,
    OrderRepository,
    OutboxRepository,
)
from supplier.models import Code as SupplierCode
from supplier.models import Order as SupplierOrder

log = logging.getLogger(__name__)

_OPEN = (OrderStatus.ORDERING, OrderStatus.PENDING)


@dataclass(frozen=True, slots=True)
class ApplyResult:
    order: Order
    queued_messages: bool


async def apply_supplier_order(
    conn: aiosqlite.Connection,
    cipher: CodeCipher,
    order: Order,
    supplier_order: SupplierOrder,
    now: datetime,
) -> ApplyResult:
    if supplier_order.reference != order.id:
        raise ValueError(f"supplier order {supplier_order.order_id} is not for {order.id}")
    if order.status not in _OPEN:
        if supplier_order.status == "refunded" and order.status in (
            OrderStatus.DELIVERED,
            OrderStatus.PARTIAL,
        ):
            # The supplier took back codes we delivered: money and codes need a person.
            log.warning("supplier refunded delivered order %s", order.id)
        return ApplyResult(order, queued_messages=False)
    if order.supplier_order_id and supplier_order.version <= order.supplier_version:
        return ApplyResult(order, queued_messages=False)  # stale or repeated news

    orders = OrderRepository(conn)
    outbox = OutboxRepository(conn)
    tracking: dict[str, Any] = {
        "supplier_order_id": supplier_order.order_id,
        "supplier_status": supplier_order.status,
        "supplier_version": supplier_order.version,
    }
    status = supplier_order.status
    codes = [_code(c) for c in supplier_order.codes][: order.quantity]

    if status == "pending":
        moved = await orders.transition(
            order.id, expected=_OPEN, to=OrderStatus.PENDING, now=now, **tracking
        )
        queued = await outbox.enqueue(
            chat_id=order.chat_id,
            kind="notice",
            order_id=order.id,
            payload={"notice": "processing"},
            dedupe_key=f"processing:{order.id}",
            now=now,
        )
        return ApplyResult(moved, queued)

    if status in ("completed", "partial") and codes:
        await CodeRepository(conn, cipher).add_codes(order.id, codes, now)
        unfilled = order.quantity - len(codes)
        credit = unfilled * order.unit_price
        if credit:
            # Stars are refunded whole or not at all: unfilled units become store credit.
            await CreditRepository(conn).add_credit(
                user_id=order.user_id,
                amount=credit,
                currency=order.currency,
                reason="unfilled_units",
                order_id=order.id,
                now=now,
            )
        moved = await orders.transition(
            order.id,
            expected=_OPEN,
            to=OrderStatus.PARTIAL if unfilled else OrderStatus.DELIVERED,
            now=now,
            fulfilled_quantity=len(codes),
            credited_amount=credit,
            finished_at=now,
            **tracking,
        )
        await outbox.enqueue(
            chat_id=order.chat_id,
            kind="codes",
            order_id=order.id,
            dedupe_key=f"codes:{order.id}",
            now=now,
        )
        return ApplyResult(moved, queued_messages=True)

    if status in ("completed", "partial", "failed", "refunded"):
        # Nothing issued (or a completion without codes): the customer gets a full refund.
        reason = supplier_order.failure_reason or f"supplier_{status}_without_codes"
        moved = await orders.transition(
            order.id,
            expected=_OPEN,
            to=OrderStatus.FAILED,
            now=now,
            failure_reason=reason,
            **tracking,
        )
        return ApplyResult(moved, queued_messages=False)

    raise ValueError(f"unknown supplier status {status!r}")


def _code(code: SupplierCode) -> Code:
    return Code(
        code=code.code,
        pin=code.pin,
        serial=code.serial,
        redemption_url=code.redemption_url,
        expires_at=code.expires_at.isoformat() if code.expires_at else None,
    )
