from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.clock import from_db, from_db_optional, to_db
from storage.models import OutboxMessage
from storage.repositories._base import Repository


@dataclass(frozen=True, slots=True)
class OutboxDepth:
    pending: int
    dead: int
    oldest_pending: datetime | None


def _message(row: aiosqlite.Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        chat_id=row["chat_id"],
        order_id=row["order_id"],
        kind=row["kind"],
        payload=row["payload"],
        dedupe_key=row["dedupe_key"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=from_db(row["next_attempt_at"]),
        last_error=row["last_error"],
        created_at=from_db(row["created_at"]),
        sent_at=from_db_optional(row["sent_at"]),
        parts_sent=row["parts_sent"],
    )


class OutboxRepository(Repository):
    async def enqueue(
        self,
        *,
        chat_id: int,
        kind: str,
        dedupe_key: str,
        now: datetime,
        order_id: str | None = None,
        payload: Mapping[str, object] | None = None,
    ) -> bool:
        """Queue a message once per dedupe_key; False if it was queued before."""
        stamp = to_db(now)
        cursor = await self._conn.execute(
            """INSERT INTO outbox (chat_id, order_id, kind, payload, dedupe_key,
                   next_attempt_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING""",
            (chat_id, order_id, kind, json.dumps(payload or {}), dedupe_key, stamp, stamp),
        )
        return cursor.rowcount == 1

    async def enqueue_notice(
        self, *, chat_id: int, order_id: str, notice: str, now: datetime
    ) -> bool:
        """Queue the customer's `notice` about an order, once per (notice, order)."""
        return await self.enqueue(
            chat_id=chat_id,
            kind="notice",
            order_id=order_id,
            payload={"notice": notice},
            dedupe_key=f"{notice}:{order_id}",
            now=now,
        )

    async def list_due(self, now: datetime, limit: int = 50) -> list[OutboxMessage]:
        cursor = await self._conn.execute(
            """SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
               ORDER BY id LIMIT ?""",
            (to_db(now), limit),
        )
        return [_message(row) for row in await cursor.fetchall()]

    async def list_for_order(self, order_id: str) -> list[OutboxMessage]:
        cursor = await self._conn.execute(
            "SELECT * FROM outbox WHERE order_id = ? ORDER BY id", (order_id,)
        )
        return [_message(row) for row in await cursor.fetchall()]

    async def mark_sent(self, message_id: int, now: datetime) -> None:
        await self._conn.execute(
            """UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1
               WHERE id = ?""",
            (to_db(now), message_id),
        )

    async def mark_part_sent(self, message_id: int, part: int) -> None:
        """Part `part` (0-based) reached Telegram: a retry starts after it."""
        await self._conn.execute(
            "UPDATE outbox SET parts_sent = max(parts_sent, ?) WHERE id = ?", (part + 1, message_id)
        )

    async def mark_failed(self, message_id: int, *, error: str, retry_at: datetime | None) -> None:
        """Schedule another attempt, or give up (status 'dead') when retry_at is None."""
        retry = to_db(retry_at) if retry_at else None
        await self._conn.execute(
            """UPDATE outbox SET attempts = attempts + 1, last_error = ?,
                   status = CASE WHEN ? IS NULL THEN 'dead' ELSE 'pending' END,
                   next_attempt_at = coalesce(?, next_attempt_at)
               WHERE id = ?""",
            (error[:500], retry, retry, message_id),
        )

    async def depth(self) -> OutboxDepth:
        """Messages waiting to be sent and given up on, and when the oldest waiting one was
        written (for the metrics; a full scan of a table that stays small)."""
        cursor = await self._conn.execute(
            """SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
                      count(*) FILTER (WHERE status = 'dead') AS dead,
                      min(created_at) FILTER (WHERE status = 'pending') AS oldest
               FROM outbox WHERE status IN ('pending', 'dead')"""
        )
        row = await cursor.fetchone()
        assert row is not None  # an aggregate always yields one row
        return OutboxDepth(
            pending=row["pending"], dead=row["dead"], oldest_pending=from_db_optional(row["oldest"])
        )
