"""Every payment Telegram reported, keyed on its charge id, and what became of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.clock import from_db, from_db_optional, to_db
from storage.models import Payment
from storage.repositories._base import Repository


class PaymentStatus(StrEnum):
    APPLIED = "applied"  # it paid an order of this database
    REFUND_OWED = "refund_owed"  # names an order here that cannot take it: refund once
    REFUNDED = "refunded"
    REFUND_DUE = "refund_due"  # a card payment owed back: a person refunds it
    UNMATCHED = "unmatched"  # names no order of this database: a person decides
    REFUND_FAILED = "refund_failed"  # Telegram refused the refund for good


def _payment(row: aiosqlite.Row) -> Payment:
    return Payment(
        charge_id=row["charge_id"],
        provider_charge_id=row["provider_charge_id"],
        user_id=row["user_id"],
        currency=row["currency"],
        amount=row["amount"],
        payload=row["payload"],
        order_id=row["order_id"],
        status=row["status"],
        source=row["source"],
        paid_at=from_db(row["paid_at"]),
        attempts=row["attempts"],
        next_attempt_at=from_db_optional(row["next_attempt_at"]),
        last_error=row["last_error"],
    )


class PaymentRepository(Repository):
    async def record(
        self,
        *,
        charge_id: str,
        provider_charge_id: str | None,
        user_id: int,
        currency: str,
        amount: int,
        payload: str,
        order_id: str | None,
        status: PaymentStatus,
        source: str,
        paid_at: datetime,
        now: datetime,
    ) -> bool:
        """Store a payment once; False if its charge id was stored before."""
        stamp = to_db(now)
        cursor = await self._conn.execute(
            """INSERT INTO payments (charge_id, provider_charge_id, user_id, currency, amount,
                   payload, order_id, status, source, paid_at, next_attempt_at, created_at,
                   updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (charge_id) DO NOTHING""",
            (
                charge_id,
                provider_charge_id,
                user_id,
                currency,
                amount,
                payload,
                order_id,
                status.value,
                source,
                to_db(paid_at),
                stamp if status is PaymentStatus.REFUND_OWED else None,
                stamp,
                stamp,
            ),
        )
        return cursor.rowcount == 1

    async def find(self, charge_id: str) -> Payment | None:
        cursor = await self._conn.execute(
            "SELECT * FROM payments WHERE charge_id = ?", (charge_id,)
        )
        row = await cursor.fetchone()
        return _payment(row) if row else None

    async def known(self, charge_ids: list[str]) -> set[str]:
        """Which of these charge ids are stored already."""
        if not charge_ids:
            return set()
        marks = ",".join("?" * len(charge_ids))
        cursor = await self._conn.execute(
            f"SELECT charge_id FROM payments WHERE charge_id IN ({marks})",  # noqa: S608
            charge_ids,
        )
        return {row[0] for row in await cursor.fetchall()}

    async def refunds_due(self, now: datetime) -> list[Payment]:
        cursor = await self._conn.execute(
            """SELECT * FROM payments WHERE status = 'refund_owed' AND next_attempt_at <= ?
               ORDER BY next_attempt_at""",
            (to_db(now),),
        )
        return [_payment(row) for row in await cursor.fetchall()]

    async def set_status(
        self, charge_id: str, status: PaymentStatus, now: datetime, *, error: str | None = None
    ) -> None:
        await self._conn.execute(
            """UPDATE payments SET status = ?, updated_at = ?, next_attempt_at = NULL,
                   last_error = coalesce(?, last_error)
               WHERE charge_id = ?""",
            (status.value, to_db(now), error, charge_id),
        )

    async def record_attempt(
        self, charge_id: str, *, retry_at: datetime, error: str, now: datetime
    ) -> None:
        await self._conn.execute(
            """UPDATE payments SET attempts = attempts + 1, next_attempt_at = ?,
                   last_error = ?, updated_at = ?
               WHERE charge_id = ?""",
            (to_db(retry_at), error[:500], to_db(now), charge_id),
        )
