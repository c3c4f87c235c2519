from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
        actor_id=row["actor_id"],
        note=row["note"],
    )


class CreditReason(StrEnum):
    UNFILLED_UNITS = "unfilled_units"  # earned: a partial fill's missing units
    SPENT = "spent"  # paid part of an order (negative)
    RESTORED = "restored"  # an order paid partly with credit failed: the credit comes back
    VOID_REVERSAL = "void_reversal"  # the supplier voided the order that earned it (negative)
    VOID_CREDIT = "void_credit"  # a voided card payment comes back as credit
    ADJUSTMENT = "adjustment"  # an admin, with a note


class CreditRepository(Repository):
    """Store credit: an append-only ledger; one entry per (order, reason).

    The balance is the sum of the entries. It can go below zero only when the supplier
    voids an order whose earned credit was already spent; checkout then uses none."""

    async def add_credit(
        self,
        *,
        user_id: int,
        amount: int,
        currency: str,
        reason: str,
        now: datetime,
        order_id: str | None = None,
        actor_id: int | None = None,
        note: str | None = None,
    ) -> None:
        with unique_violation_as(f"credit {reason} for order {order_id}"):
            await self._conn.execute(
                """INSERT INTO credit_ledger (user_id, amount, currency, order_id, reason,
                       created_at, actor_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (user_id, amount, currency, order_id, reason, to_db(now), actor_id, note),
            )

    async def balance(self, user_id: int, currency: str) -> int:
        cursor = await self._conn.execute(
            "SELECT coalesce(sum(amount), 0) FROM credit_ledger WHERE user_id = ? AND currency = ?",
            (user_id, currency),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def outstanding(self, currency: str) -> int:
        """Credit owed to every customer together (a liability for finance)."""
        cursor = await self._conn.execute(
            """SELECT coalesce(sum(balance), 0) FROM (
                   SELECT max(sum(amount), 0) AS balance FROM credit_ledger
                   WHERE currency = ? GROUP BY user_id)""",
            (currency,),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def list_credits(self, user_id: int) -> list[CreditEntry]:
        cursor = await self._conn.execute(
            "SELECT * FROM credit_ledger WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_entry(row) for row in await cursor.fetchall()]
