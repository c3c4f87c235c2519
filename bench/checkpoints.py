"""Write transactions through Database, inline and on aiosqlite's thread: latency
percentiles (WAL checkpoints included: they run inside the COMMIT that crosses
`wal_autocheckpoint`) and CPU per transaction.

    python -m bench.checkpoints [--transactions 20000] [--json]

Each transaction is shaped like a purchase's state change: BEGIN IMMEDIATE, an INSERT
of a ~300-byte row, an UPDATE … RETURNING of another, COMMIT. The two drivers alternate
in blocks, so noise from other work lands on both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from storage.database import Database

BLOCK = 1000


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _block(db: Database, start: int, latencies: list[float]) -> None:
    for i in range(start, start + BLOCK):
        began = time.perf_counter()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t (id, body) VALUES (?, ?)", (i, "x" * 300))
            cursor = await conn.execute(
                "UPDATE c SET n = n + 1 WHERE id = 1 RETURNING n",
            )
            await cursor.fetchone()
        latencies.append((time.perf_counter() - began) * 1000)


async def _open(path: Path, inline: bool) -> Database:
    db = await Database.open(f"sqlite:///{path}", inline=inline)
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        await conn.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER)")
        await conn.execute("INSERT INTO c VALUES (1, 0)")
    return db


def _summary(latencies: list[float], cpu_s: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return {
        "transactions": len(ordered),
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(pct(99), 3),
        "p99.9_ms": round(pct(99.9), 3),
        "max_ms": round(ordered[-1], 3),
        "cpu_us_per_transaction": round(cpu_s / len(ordered) * 1e6, 1),
    }


async def run(transactions: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        dbs = {
            "inline": await _open(Path(tmp) / "inline.db", True),
            "aiosqlite": await _open(Path(tmp) / "thread.db", False),
        }
        latencies: dict[str, list[float]] = {name: [] for name in dbs}
        cpu = dict.fromkeys(dbs, 0.0)
        try:
            for start in range(0, transactions, BLOCK):
                for name, db in dbs.items():
                    before = _cpu()
                    await _block(db, start, latencies[name])
                    cpu[name] += _cpu() - before
        finally:
            for db in dbs.values():
                await db.close()
    return {name: _summary(latencies[name], cpu[name]) for name in dbs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=20000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.transactions))
    if args.json:
        print(json.dumps({"machine": os.uname().nodename, **result}))
        return
    print("| per write transaction | inline | aiosqlite |")
    print("|---|---:|---:|")
    for key in result["inline"]:
        print(f"| {key} | {result['inline'][key]} | {result['aiosqlite'][key]} |")


if __name__ == "__main__":
    main()
