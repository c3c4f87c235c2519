from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.clock import from_db, from_db_optional, to_db
from storage.models import SupplierEvent
from storage.repositories._base import Repository


def _event(row: aiosqlite.Row) -> SupplierEvent:
    return SupplierEvent(
        supplier=row["supplier"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        supplier_order_id=row["supplier_order_id"],
        reference=row["reference"],
        order_version=row["order_version"],
        received_at=from_db(row["received_at"]),
        processed_at=from_db_optional(row["processed_at"]),
    )


class SupplierEventRepository(Repository):
    """The webhook inbox: one row per supplier and webhook-id, so a replayed delivery is
    recognised while two suppliers' ids (each their own) never shadow each other."""

    async def record_event(
        self,
        *,
        supplier: str,
        event_id: str,
        event_type: str,
        supplier_order_id: str,
        reference: str,
        order_version: int,
        now: datetime,
    ) -> bool:
        """True if the event is new, False if this supplier sent this webhook-id before."""
        cursor = await self._conn.execute(
            """INSERT INTO supplier_events (supplier, event_id, event_type, supplier_order_id,
                   reference, order_version, received_at)
               VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (supplier, event_id) DO NOTHING""",
            (supplier, event_id, event_type, supplier_order_id, reference, order_version,
             to_db(now)),
        )  # fmt: skip
        return cursor.rowcount == 1

    async def mark_processed(self, supplier: str, event_id: str, now: datetime) -> None:
        await self._conn.execute(
            "UPDATE supplier_events SET processed_at = ? WHERE supplier = ? AND event_id = ?",
            (to_db(now), supplier, event_id),
        )

    async def list_unprocessed(self, limit: int = 100) -> list[SupplierEvent]:
        cursor = await self._conn.execute(
            """SELECT * FROM supplier_events WHERE processed_at IS NULL
               ORDER BY received_at LIMIT ?""",
            (limit,),
        )
        return [_event(row) for row in await cursor.fetchall()]
