"""Customers as we remember them: language and chosen region."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.clock import utcnow
from storage.database import Database
from storage.models import User
from storage.repositories import UserRepository

# Users kept in memory; past this, the oldest entries are dropped (they are read again
# on their next update). A user record is ~0.5 KB.
CACHE_SIZE = 50_000


class UserService:
    """Every write to `users` goes through here, so the in-memory copy is the stored one:
    it is refreshed from each write's own result. That holds because one bot process runs
    per database (storage/lease.py refuses a second); the other commands read users, never
    write them. A process that ever shares the database must drop this cache."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock
        self._known: dict[int, User] = {}

    async def ensure_user(self, user_id: int, first_name: str, language: str | None) -> User:
        """Runs on every update: a lookup in memory (a read on the first update after
        start-up), and a write only for a new user or a new name (the write lock would
        otherwise serialise every update behind it)."""
        known = await self.find_user(user_id)
        if known is not None and known.first_name == first_name:
            return known
        async with self._db.transaction() as conn:
            user = await UserRepository(conn).upsert_user(
                user_id, first_name, language, self._clock()
            )
        return self._remember(user)

    async def find_user(self, user_id: int) -> User | None:
        cached = self._known.get(user_id)
        if cached is not None:
            return cached
        async with self._db.read() as conn:
            user = await UserRepository(conn).find_user(user_id)
        return self._remember(user) if user is not None else None

    async def set_region(self, user_id: int, region: str) -> None:
        async with self._db.transaction() as conn:
            user = await UserRepository(conn).set_region(user_id, region, self._clock())
        self._remember(user)

    async def set_language(self, user_id: int, language: str) -> None:
        async with self._db.transaction() as conn:
            user = await UserRepository(conn).set_language(user_id, language, self._clock())
        self._remember(user)

    def _remember(self, user: User) -> User:
        if user.id not in self._known and len(self._known) >= CACHE_SIZE:
            del self._known[next(iter(self._known))]  # the oldest entry
        self._known[user.id] = user
        return user
