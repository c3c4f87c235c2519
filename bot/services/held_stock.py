"""Pre-purchased codes at order time, and in the stock customers see.

`serve_from_held` sells an order its codes from the held stock in ONE write transaction:
the claim, the codes stored on the order, the move to delivered and the delivery notice
land together or not at all, so a crash leaves either an untouched order (the supplier
path follows) or a delivered one, and each held code is sold once (the claim runs under
SQLite's write lock; a second purchase sees it). It is only tried for an order that has
just entered `ordering` for the first time in this process: an order found in `ordering`
on resume may have a supplier POST in flight, and serving it from held stock as well
would buy its codes twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from storage.cipher import CodeCipher
from storage.database import Database
from storage.models import Order, OrderStatus
from storage.repositories import (
    CodeRepository,
    HeldCodeRepository,
    OrderRepository,
    OutboxRepository,
)

log = logging.getLogger(__name__)

SERVED = "served from held stock"


async def serve_from_held(
    db: Database, cipher: CodeCipher, order: Order, now: datetime
) -> Order | None:
    """Deliver `order` whole from held codes, or None (nothing changed) when the held stock
    cannot cover all of it or the order is not one that may be served so."""
    async with db.transaction() as conn:
        orders = OrderRepository(conn)
        fresh = await orders.get_order(order.id)
        if fresh.status is not OrderStatus.ORDERING or fresh.supplier_order_id is not None:
            return None
        entered = [
            t for t in await orders.timeline(order.id) if t.to_status is OrderStatus.ORDERING
        ]
        if len(entered) != 1:
            return None  # ordering before (an admin retry): a supplier order may exist
        codes = await HeldCodeRepository(conn, cipher).claim(
            fresh.sku, fresh.quantity, fresh.id, now
        )
        if not codes:
            return None
        await CodeRepository(conn, cipher).add_codes(fresh.id, codes, now)
        moved = await orders.transition(
            fresh.id,
            expected=[OrderStatus.ORDERING],
            to=OrderStatus.DELIVERED,
            now=now,
            reason=SERVED,
            fulfilled_quantity=len(codes),
            finished_at=now,
        )
        await OutboxRepository(conn).enqueue(
            chat_id=fresh.chat_id,
            kind="codes",
            order_id=fresh.id,
            dedupe_key=f"codes:{fresh.id}",
            now=now,
        )
    log.info("order %s served from held stock (%d codes)", order.id, len(codes))
    return moved
