"""One SQLite connection per process, with serialised explicit transactions.

SQLite allows one writer at a time; a single connection guarded by an asyncio lock
keeps every transaction whole (no coroutine sees another's half-written state) and
lets `BEGIN IMMEDIATE` take the write lock up front instead of failing at COMMIT.

The connection runs statements inline on the event loop (storage/connection.py) by
default, not on aiosqlite's worker thread: giftbot's statements take tens of
microseconds, and aiosqlite's two thread switches per statement cost more than that.
Measured (bench/README.md, issue 11): a purchase-shaped write transaction costs 81 µs of
CPU inline against 690 µs on aiosqlite (bench.checkpoints), and in bench.purchases the bot's
CPU per purchase went from 3.0× the floor's to 2.2× with this change alone, with the same
statements and the same BEGIN IMMEDIATE…COMMIT writes. A lock held by another
process is still waited for off the loop (the inline connection retries that statement
on a thread). WAL checkpoints run inside the COMMIT that crosses `wal_autocheckpoint`,
inline too: bench.checkpoints measured the same tail on both drivers (p99.9 ~21 ms, worst
~30 ms on this machine), but inline the whole loop waits it out, once every few hundred
write transactions; that is the price of the change. `Database.open(url,
inline=False)` keeps the aiosqlite connection available, with the same repository API.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar, cast

import aiosqlite

from storage.connection import InlineConnection, settled
from storage.errors import InvalidDatabaseURL

log = logging.getLogger(__name__)

T = TypeVar("T")

SQLITE_PREFIX = "sqlite:///"
BUSY_TIMEOUT_MS = 5000


def database_path(url: str) -> Path:
    """`sqlite:///data/x.db` → `data/x.db` (relative to the working directory);
    `sqlite:////abs/x.db` → `/abs/x.db`."""
    if not url.startswith(SQLITE_PREFIX) or len(url) == len(SQLITE_PREFIX):
        raise InvalidDatabaseURL(f"DATABASE_URL must be sqlite:///PATH, got {url!r}")
    return Path(url[len(SQLITE_PREFIX) :])


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path, *, inline: bool = False) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        # Inline statements cannot be interrupted half-way (no await inside), and the
        # connection's own thread fallback settles before a cancellation is raised.
        self._settle = _direct if inline else settled

    @classmethod
    async def open(cls, url: str, *, inline: bool = True) -> Database:
        path = database_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        if inline:
            # Typed as aiosqlite's: the repositories use the part of its API that
            # InlineConnection provides.
            conn = cast(aiosqlite.Connection, InlineConnection.connect(path))
        else:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, nothing implicit.
            conn = await aiosqlite.connect(path, isolation_level=None)
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        return cls(conn, path, inline=inline)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._lock, self._open("BEGIN IMMEDIATE"):
            yield self._conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A consistent read: one snapshot for every query in the block."""
        async with self._lock, self._open("BEGIN"):
            yield self._conn

    @asynccontextmanager
    async def _open(self, begin: str) -> AsyncIterator[None]:
        """BEGIN … COMMIT, or ROLLBACK on any exception, cancellation included.

        On aiosqlite, each statement runs on its thread whether or not the awaiting task
        is cancelled meanwhile; `settled` waits for it to finish, so the shared
        connection is never left inside a transaction that nobody will end."""
        try:
            await self._settle(self._conn.execute(begin))
        except BaseException:
            await self._rollback_if_open()
            raise
        try:
            yield
        except BaseException:
            await self._rollback_if_open()
            raise
        try:
            await self._settle(self._conn.execute("COMMIT"))
        except BaseException:
            await self._rollback_if_open()
            raise

    async def _rollback_if_open(self) -> None:
        if self._conn.in_transaction:
            await self._settle(self._conn.execute("ROLLBACK"))

    async def user_version(self) -> int:
        async with self._lock:
            cursor = await self._conn.execute("PRAGMA user_version")
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def executescript_in_transaction(self, script: str, *, foreign_keys: bool = True) -> None:
        """Run a migration script atomically (executescript itself would commit first).

        `foreign_keys=False` is for a migration that rebuilds a table others refer to:
        SQLite's documented procedure turns enforcement off around the transaction and
        checks every reference before committing."""
        async with self._lock:
            if not foreign_keys:
                await self._conn.execute("PRAGMA foreign_keys = OFF")
            try:
                async with self._open("BEGIN IMMEDIATE"):
                    for statement in split_statements(script):
                        await self._conn.execute(statement)
                    cursor = await self._conn.execute("PRAGMA foreign_key_check")
                    broken = list(await cursor.fetchall())
                    if broken:
                        raise sqlite3.IntegrityError(f"broken references: {broken[:3]}")
            finally:
                if not foreign_keys:
                    await self._conn.execute("PRAGMA foreign_keys = ON")


async def _direct(operation: Awaitable[T]) -> T:
    return await operation


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
