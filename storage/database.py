"""One aiosqlite connection per process, with serialised explicit transactions.

SQLite allows one writer at a time; a single connection guarded by an asyncio lock
keeps every transaction whole (no coroutine sees another's half-written state) and
lets `BEGIN IMMEDIATE` take the write lock up front instead of failing at COMMIT.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from storage.errors import InvalidDatabaseURL

log = logging.getLogger(__name__)

SQLITE_PREFIX = "sqlite:///"
BUSY_TIMEOUT_MS = 5000


def database_path(url: str) -> Path:
    """`sqlite:///data/x.db` → `data/x.db` (relative to the working directory);
    `sqlite:////abs/x.db` → `/abs/x.db`."""
    if not url.startswith(SQLITE_PREFIX) or len(url) == len(SQLITE_PREFIX):
        raise InvalidDatabaseURL(f"DATABASE_URL must be sqlite:///PATH, got {url!r}")
    return Path(url[len(SQLITE_PREFIX) :])


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, url: str) -> Database:
        path = database_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing implicit.
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA synchronous = NORMAL")
        return cls(conn, path)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A consistent read: one snapshot for every query in the block."""
        async with self._lock:
            await self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                await self._conn.execute("COMMIT")

    async def user_version(self) -> int:
        async with self._lock:
            cursor = await self._conn.execute("PRAGMA user_version")
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def executescript_in_transaction(self, script: str) -> None:
        """Run a migration script atomically (executescript itself would commit first)."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in split_statements(script):
                    await self._conn.execute(statement)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")


def split_statements(script: str) -> list[str]:
    """Split SQL into complete statements, using sqlite3's own notion of completeness."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    # What is left may be trailing comments; anything else is a statement cut short.
    if any(line.strip() and not line.strip().startswith("--") for line in buffer.splitlines()):
        raise ValueError("migration script ends with an incomplete statement")
    return statements
