from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.clock import from_db, to_db
from storage.errors import NotFound
from storage.models import User
from storage.repositories._base import Repository


def _user(row: aiosqlite.Row) -> User:
    return User(
        id=row["id"],
        first_name=row["first_name"],
        language=row["language"],
        region=row["region"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


class UserRepository(Repository):
    async def upsert_user(
        self, user_id: int, first_name: str, language: str | None, now: datetime
    ) -> User:
        """Create on first contact; later contacts refresh the name but keep the user's
        own choices (region, language) once made."""
        stamp = to_db(now)
        await self._conn.execute(
            """INSERT INTO users (id, first_name, language, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,
                   updated_at = excluded.updated_at
               WHERE users.first_name <> excluded.first_name""",
            (user_id, first_name, language, stamp, stamp),
        )
        return await self.get_user(user_id)

    async def find_user(self, user_id: int) -> User | None:
        cursor = await self._conn.execute("SELECT * FROM users WHERE id = ?", (user_id,))
        row = await cursor.fetchone()
        return _user(row) if row else None

    async def get_user(self, user_id: int) -> User:
        user = await self.find_user(user_id)
        if user is None:
            raise NotFound(f"user {user_id}")
        return user

    async def set_region(self, user_id: int, region: str, now: datetime) -> User:
        return await self._update(user_id, "region", region, now)

    async def set_language(self, user_id: int, language: str, now: datetime) -> User:
        return await self._update(user_id, "language", language, now)

    async def _update(self, user_id: int, column: str, value: str, now: datetime) -> User:
        """The user as stored after the change (one statement: UPDATE … RETURNING)."""
        cursor = await self._conn.execute(
            f"UPDATE users SET {column} = ?, updated_at = ? WHERE id = ? RETURNING *",  # noqa: S608 - fixed names
            (value, to_db(now), user_id),
        )
        row = await cursor.fetchone()
        if row is None:
            raise NotFound(f"user {user_id}")
        return _user(row)
