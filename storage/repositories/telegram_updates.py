from __future__ import annotations

from datetime import datetime

from storage.clock import to_db
from storage.repositories._base import Repository


class TelegramUpdateRepository(Repository):
    """Update ids received by webhook, so a redelivered update is recognised."""

    async def record_update(self, update_id: int, now: datetime) -> bool:
        """True if the update is new, False if this update id was seen before."""
        cursor = await self._conn.execute(
            """INSERT INTO telegram_updates (update_id, received_at) VALUES (?, ?)
               ON CONFLICT (update_id) DO NOTHING""",
            (update_id, to_db(now)),
        )
        return cursor.rowcount == 1

    async def forget_before(self, moment: datetime) -> int:
        """Delete the ids received before `moment`; returns how many."""
        cursor = await self._conn.execute(
            "DELETE FROM telegram_updates WHERE received_at < ?", (to_db(moment),)
        )
        return cursor.rowcount
