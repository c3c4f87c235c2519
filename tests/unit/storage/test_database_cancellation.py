"""A task cancelled anywhere in a transaction leaves the shared connection usable."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.database import Database


async def _count(db: Database) -> int:
    async with db.read() as conn:
        row = await (await conn.execute("SELECT count(*) FROM t")).fetchone()
    assert row is not None
    return int(row[0])


async def test_cancelled_transactions_never_leave_the_connection_open(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (x INTEGER)")

        async def write(value: int) -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t VALUES (?)", (value,))
                await asyncio.sleep(0)  # a point where the task may be cancelled

        # Cancel at every await point in turn: during BEGIN, inside the block, at COMMIT.
        for steps in range(8):
            task = asyncio.create_task(write(steps))
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            async with db.transaction() as conn:  # would fail: "within a transaction"
                await conn.execute("INSERT INTO t VALUES (-1)")
        # Each cancelled write landed whole or not at all; every probe write landed.
        async with db.read() as conn:
            rows = list(await (await conn.execute("SELECT x FROM t WHERE x >= 0")).fetchall())
        assert len(set(r[0] for r in rows)) == len(rows)
        assert await _count(db) == len(rows) + 8
    finally:
        await db.close()
