from __future__ import annotations

from storage.repositories._base import Repository


class MetaRepository(Repository):
    """Small named values the application keeps across restarts (cursors, key checks)."""

    async def find_value(self, key: str) -> str | None:
        cursor = await self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,))
        row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def set_value(self, key: str, value: str) -> None:
        await self._conn.execute(
            """INSERT INTO meta (key, value) VALUES (?, ?)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
            (key, value),
        )
