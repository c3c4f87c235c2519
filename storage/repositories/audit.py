from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

import aiosqlite

from storage.clock import from_db, to_db
from storage.models import AuditEntry
from storage.repositories._base import Repository


def _entry(row: aiosqlite.Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        admin_id=row["admin_id"],
        action=row["action"],
        target=row["target"],
        details=row["details"],
        created_at=from_db(row["created_at"]),
    )


class AuditRepository(Repository):
    """What admins did, append-only."""

    async def record(
        self,
        *,
        admin_id: int,
        action: str,
        now: datetime,
        target: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        await self._conn.execute(
            """INSERT INTO audit_log (admin_id, action, target, details, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (admin_id, action, target, json.dumps(details or {}), to_db(now)),
        )

    async def list_recent(self, limit: int = 50) -> list[AuditEntry]:
        cursor = await self._conn.execute(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_entry(row) for row in await cursor.fetchall()]
