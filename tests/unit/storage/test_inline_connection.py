"""The inline connection waits for another connection's lock off the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.database import Database


async def _rows(db: Database) -> list[int]:
    async with db.read() as conn:
        rows = await (await conn.execute("SELECT x FROM t ORDER BY x")).fetchall()
    return [r[0] for r in rows]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
    yield db
    await db.close()


@pytest.fixture
def other(db: Database, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection (as another process would have) holding the write lock."""
    other = sqlite3.connect(tmp_path / "x.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.close()


async def _write(db: Database, value: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t VALUES (?)", (value,))


async def test_a_lock_held_elsewhere_is_waited_for_while_the_loop_runs(
    db: Database, other: sqlite3.Connection
) -> None:
    other.execute("INSERT INTO t VALUES (1)")
    task = asyncio.create_task(_write(db, 2))
    # The loop keeps running while the write waits: this coroutine gets to commit
    # the other connection's transaction, which lets the write through.
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert not task.done()
    other.execute("COMMIT")
    await asyncio.wait_for(task, 5)
    assert await _rows(db) == [1, 2]


async def test_cancelled_while_waiting_for_a_lock_leaves_the_connection_usable(
    db: Database, other: sqlite3.Connection
) -> None:
    task = asyncio.create_task(_write(db, 2))
    await asyncio.sleep(0.05)
    task.cancel()
    # The cancelled BEGIN still waits for the lock on its thread; releasing it lets
    # the cancellation through, with nothing written.
    await asyncio.sleep(0.05)
    other.execute("ROLLBACK")
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    await _write(db, 3)  # would fail: "within a transaction"
    assert await _rows(db) == [3]


async def test_other_errors_are_raised_as_they_are(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        async with db.read() as conn:
            await conn.execute("SELECT * FROM missing")
    assert await _rows(db) == []
