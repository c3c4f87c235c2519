from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.clock import from_db, to_db
from storage.models import CreditEntry
from storage.repositories._base import Repository, unique_violation_as


def _entry(row: aiosqlite.Row) -> CreditEntry:
    return CreditEntry(
        id=row["id"],
        user_id=row["user_id"],
        amount=row["amount"],
        currency=row["currency"],
        order_id=row["order_id"],
        reason=row["reason"],
        created_at=from_db(row["created_at"]),
    )


class CreditRepository(Repository):
    """Store credit: an append-only ledger; one entry per (order, reason)."""

    async def add_credit(
        self,
        *,
        user_id: int,
        amount: int,
        currency: str,
        reason: str,
        now: datetime,
        order_id: str | None = None,
    ) -> None:
        with unique_violation_as(f"credit {reason} for order {order_id}"):
            await self._conn.execute(
                """INSERT INTO credit_ledger (user_id, amount, currency, order_id, reason,
                       created_at) VALUES (?, ?, ?, ?, ?, ?)""",
                (user_id, amount, currency, order_id, reason, to_db(now)),
            )

    async def balance(self, user_id: int, currency: str) -> int:
        cursor = await self._conn.execute(
            "SELECT coalesce(sum(amount), 0) FROM credit_ledger WHERE user_id = ? AND currency = ?",
            (user_id, currency),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def list_credits(self, user_id: int) -> list[CreditEntry]:
        cursor = await self._conn.execute(
            "SELECT * FROM credit_ledger WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_entry(row) for row in await cursor.fetchall()]
