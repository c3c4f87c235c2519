"""Placement attempts as the tests need them: the reference an order is placed under, and
"the POST went out, then we crashed" (an open attempt the supplier already holds)."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.database import Database
from storage.repositories.supplier_attempts import SupplierAttemptRepository


async def open_attempt(db: Database, order_id: str, supplier: str = "default") -> str:
    """Store an open attempt, as placement does before its POST; its reference."""
    async with db.transaction() as conn:
        attempt = await SupplierAttemptRepository(conn).start(order_id, supplier, datetime.now(UTC))
    return attempt.reference


async def reference_of(db: Database, order_id: str) -> str:
    """The reference of the order's current attempt."""
    async with db.read() as conn:
        attempt = await SupplierAttemptRepository(conn).current(order_id)
    assert attempt is not None, f"order {order_id} was never placed"
    return attempt.reference
