"""The audit trail of the operations console: who did what, when, with what, and how it ended."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from storage.clock import utcnow
from storage.database import Database
from storage.models import AuditEntry
from storage.repositories import AuditRepository

log = logging.getLogger(__name__)

MAX_RESULT = 500


class AuditTrail:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def record(self, admin_id: int, action: str, args: str, result: str) -> None:
        # The target is the first argument (an order id, a user id, a search text).
        target = args.split(maxsplit=1)[0] if args.strip() else None
        async with self._db.transaction() as conn:
            await AuditRepository(conn).record(
                admin_id=admin_id,
                action=action,
                now=self._clock(),
                target=target,
                details={"args": args, "result": result[:MAX_RESULT]},
            )
        log.info("admin %s: %s %s → %s", admin_id, action, target or "", result[:80])

    async def recent(self, limit: int = 50) -> list[AuditEntry]:
        async with self._db.read() as conn:
            return await AuditRepository(conn).list_recent(limit)
