"""A plain sqlite3 connection behind aiosqlite's async API, run inline on the event loop.

Why: aiosqlite sends every statement to its worker thread and back (two thread switches
and a future per statement). giftbot's statements are short (an indexed row or a few,
a few tens of microseconds), so the hop cost more than the statement: measured in
bench.purchases, the hops were the largest part of the bot's CPU per purchase (see
bench/README.md, issue 11). Run inline, a statement costs what SQLite costs.

What keeps inline safe:
- the loop never waits on another process's lock: `busy_timeout` is 0 here, so a
  statement that meets a lock held elsewhere fails at once with SQLITE_BUSY, having done
  nothing; it is then run again on a worker thread with the usual busy timeout (the rare
  path: one bot runs per database, see storage/lease.py);
- commits in WAL mode with `synchronous = NORMAL` write to the WAL without fsync; the
  fsync happens at a checkpoint, whose cost on this machine is measured (bench/README.md);
- a statement run inline cannot be interrupted by a cancellation (there is no await in
  it), and the thread fallback waits for its statement to end before a cancellation is
  raised, so the connection is never left mid-statement.

Only the part of aiosqlite's API that the repositories use is provided.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

Parameters = Sequence[Any] | dict[str, Any]

BUSY_TIMEOUT_MS = 5000


class InlineCursor:
    """aiosqlite.Cursor's read side over a finished sqlite3 cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchmany(self, size: int) -> list[Any]:
        return self._cursor.fetchmany(size)

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """One sqlite3 connection; callers serialise their use of it (Database's lock)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def connect(cls, path: Path) -> InlineConnection:
        # isolation_level=None: BEGIN/COMMIT are the caller's, nothing implicit.
        # check_same_thread=False: the busy fallback runs a statement on a worker thread,
        # while the caller still holds the connection (never two at once).
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 0")
        return cls(conn)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def row_factory(self) -> Any:
        return self._conn.row_factory

    @row_factory.setter
    def row_factory(self, factory: Any) -> None:
        self._conn.row_factory = factory

    async def execute(self, sql: str, parameters: Parameters | None = None) -> InlineCursor:
        try:
            return InlineCursor(self._conn.execute(sql, () if parameters is None else parameters))
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
        return await self._on_thread(sql, parameters)

    async def execute_fetchall(self, sql: str, parameters: Parameters | None = None) -> list[Any]:
        cursor = await self.execute(sql, parameters)
        return await cursor.fetchall()

    async def executemany(self, sql: str, rows: Iterable[Parameters]) -> InlineCursor:
        # Only ever used inside a write transaction, whose lock is already held: the
        # busy path cannot arise, so no fallback (the rows may be a one-shot iterator).
        return InlineCursor(self._conn.executemany(sql, rows))

    async def close(self) -> None:
        self._conn.close()

    async def _on_thread(self, sql: str, parameters: Parameters | None) -> InlineCursor:
        """The rare path: another connection holds the lock; wait for it off the loop.
        The statement runs to its end on the thread even if the caller is cancelled:
        it finishes before the caller (and its ROLLBACK) may touch the connection."""
        return await settled(asyncio.to_thread(self._waiting_execute, sql, parameters))

    def _waiting_execute(self, sql: str, parameters: Parameters | None) -> InlineCursor:
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            return InlineCursor(self._conn.execute(sql, () if parameters is None else parameters))
        finally:
            self._conn.execute("PRAGMA busy_timeout = 0")


async def settled(operation: Awaitable[T]) -> T:
    """Await `operation` to its end even if the caller is cancelled meanwhile; the
    cancellation is raised once it has finished."""
    task = asyncio.ensure_future(operation)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)
        raise


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)
