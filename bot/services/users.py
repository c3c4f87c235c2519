"""Customers as we remember them: language and chosen region."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.clock import utcnow
from storage.database import Database
from storage.models import User
from storage.repositories import UserRepository


class UserService:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def ensure_user(self, user_id: int, first_name: str, language: str | None) -> User:
        """Runs on every update: a read, and a write only for a new user or a new name
        (the write lock would otherwise serialise every update behind it)."""
        known = await self.find_user(user_id)
        if known is not None and known.first_name == first_name:
            return known
        async with self._db.transaction() as conn:
            return await UserRepository(conn).upsert_user(
                user_id, first_name, language, self._clock()
            )

    async def find_user(self, user_id: int) -> User | None:
        async with self._db.read() as conn:
            return await UserRepository(conn).find_user(user_id)

    async def set_region(self, user_id: int, region: str) -> None:
        async with self._db.transaction() as conn:
            await UserRepository(conn).set_region(user_id, region, self._clock())

    async def set_language(self, user_id: int, language: str) -> None:
        async with self._db.transaction() as conn:
            await UserRepository(conn).set_language(user_id, language, self._clock())
