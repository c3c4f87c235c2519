"""Placement attempts of an order at the suppliers (migration `*_routing.sql`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import aiosqlite

from storage.clock import from_db, from_db_optional, to_db
from storage.repositories._base import Repository

_CHUNK = 500  # references per query: well under SQLite's limit on bound parameters
AttemptStatus = Literal["open", "placed", "refused", "unreachable"]


@dataclass(frozen=True, slots=True)
class SupplierAttempt:
    order_id: str
    n: int
    supplier: str
    reference: str
    status: AttemptStatus
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    supplier_order_id: str | None = None  # the supplier's id for it, once it named one


def attempt_reference(order_id: str, n: int) -> str:
    """The idempotency key of attempt n; attempt 0 (orders from before routing) is the id."""
    return order_id if n == 0 else f"{order_id}-{n}"


def _attempt(row: aiosqlite.Row) -> SupplierAttempt:
    return SupplierAttempt(
        order_id=row["order_id"],
        n=row["n"],
        supplier=row["supplier"],
        reference=row["reference"],
        status=row["status"],
        error=row["error"],
        started_at=from_db(row["started_at"]),
        finished_at=from_db_optional(row["finished_at"]),
        supplier_order_id=row["supplier_order_id"],
    )


class SupplierAttemptRepository(Repository):
    async def list_for(self, order_id: str) -> list[SupplierAttempt]:
        cursor = await self._conn.execute(
            "SELECT * FROM supplier_attempts WHERE order_id = ? ORDER BY n", (order_id,)
        )
        return [_attempt(row) for row in await cursor.fetchall()]

    async def list_for_orders(self, order_ids: list[str]) -> dict[str, list[SupplierAttempt]]:
        out: dict[str, list[SupplierAttempt]] = {order_id: [] for order_id in order_ids}
        if not order_ids:
            return out
        marks = ",".join("?" * len(order_ids))
        cursor = await self._conn.execute(
            f"SELECT * FROM supplier_attempts WHERE order_id IN ({marks}) ORDER BY order_id, n",  # noqa: S608 - marks only
            order_ids,
        )
        for row in await cursor.fetchall():
            out[row["order_id"]].append(_attempt(row))
        return out

    async def order_ids(self, references: Collection[str]) -> dict[str, str]:
        """reference -> order id, for the references that are attempts of ours."""
        out: dict[str, str] = {}
        wanted = sorted(references)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            cursor = await self._conn.execute(
                f"SELECT reference, order_id FROM supplier_attempts WHERE reference IN ({marks})",  # noqa: S608 - marks only
                chunk,
            )
            out |= {row["reference"]: row["order_id"] for row in await cursor.fetchall()}
        return out

    async def current(self, order_id: str) -> SupplierAttempt | None:
        """The latest attempt: the order's supplier now."""
        cursor = await self._conn.execute(
            "SELECT * FROM supplier_attempts WHERE order_id = ? ORDER BY n DESC LIMIT 1",
            (order_id,),
        )
        row = await cursor.fetchone()
        return _attempt(row) if row else None

    async def by_reference(self, reference: str) -> SupplierAttempt | None:
        cursor = await self._conn.execute(
            "SELECT * FROM supplier_attempts WHERE reference = ?", (reference,)
        )
        row = await cursor.fetchone()
        return _attempt(row) if row else None

    async def start(self, order_id: str, supplier: str, now: datetime) -> SupplierAttempt:
        """A new open attempt, numbered after the last (the first is 1)."""
        cursor = await self._conn.execute(
            "SELECT COALESCE(MAX(n), 0) + 1 FROM supplier_attempts WHERE order_id = ?",
            (order_id,),
        )
        row = await cursor.fetchone()
        n = int(row[0]) if row else 1
        reference = attempt_reference(order_id, n)
        await self._conn.execute(
            """INSERT INTO supplier_attempts (order_id, n, supplier, reference, status, started_at)
               VALUES (?, ?, ?, ?, 'open', ?)""",
            (order_id, n, supplier, reference, to_db(now)),
        )
        return SupplierAttempt(order_id, n, supplier, reference, "open", None, now, None)

    async def finish(
        self, order_id: str, n: int, status: AttemptStatus, now: datetime, error: str | None = None
    ) -> None:
        await self._conn.execute(
            """UPDATE supplier_attempts SET status = ?, error = ?, finished_at = ?
               WHERE order_id = ? AND n = ?""",
            (status, error, to_db(now), order_id, n),
        )

    async def mark_late(
        self, order_id: str, n: int, supplier_order_id: str, now: datetime, *, error: str
    ) -> None:
        """A superseded attempt its supplier turned out to hold: `placed`, with its order id
        (what the export, the admin's /order and the reconciliation show)."""
        await self._conn.execute(
            """UPDATE supplier_attempts
               SET status = 'placed', error = ?, supplier_order_id = ?,
                   finished_at = COALESCE(finished_at, ?)
               WHERE order_id = ? AND n = ?""",
            (error, supplier_order_id, to_db(now), order_id, n),
        )
