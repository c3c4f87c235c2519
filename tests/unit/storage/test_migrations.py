from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import Database
from storage.errors import MigrationError
from storage.migrate import available_migrations, migrate

EXPECTED_TABLES = {
    "meta",
    "users",
    "products",
    "orders",
    "order_codes",
    "supplier_events",
    "outbox",
    "credit_ledger",
    "audit_log",
}


async def test_migrates_empty_database_then_is_idempotent(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path}/nested/dir/x.db")
    try:
        first = await migrate(db)
        second = await migrate(db)
        version = await db.user_version()
        async with db.read() as conn:
            cursor = await conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {row[0] for row in await cursor.fetchall()}
    finally:
        await db.close()
    assert [m.version for m in first] == [m.version for m in available_migrations()]
    assert second == []
    assert version == available_migrations()[-1].version
    assert tables >= EXPECTED_TABLES


async def test_database_settings_are_applied(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    try:
        async with db.read() as conn:
            pragmas = {}
            for name in ("journal_mode", "foreign_keys", "busy_timeout"):
                cursor = await conn.execute(f"PRAGMA {name}")
                row = await cursor.fetchone()
                assert row is not None
                pragmas[name] = row[0]
    finally:
        await db.close()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE keep (x)")
        raw.execute("PRAGMA user_version = 999")
    db = await Database.open(f"sqlite:///{path}")
    try:
        with pytest.raises(MigrationError, match="newer than this code"):
            await migrate(db)
        assert await db.user_version() == 999
    finally:
        await db.close()
    with sqlite3.connect(path) as raw:
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    assert tables == {"keep"}, "a refused migration must change nothing"


async def test_failed_migration_rolls_back_whole(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    try:
        with pytest.raises(sqlite3.OperationalError):
            await db.executescript_in_transaction(
                "CREATE TABLE a (x);\nCREATE TABLE a (x);\nPRAGMA user_version = 5;"
            )
        assert await db.user_version() == 0
        async with db.read() as conn:
            cursor = await conn.execute("SELECT count(*) FROM sqlite_master")
            row = await cursor.fetchone()
        assert row is not None and row[0] == 0
    finally:
        await db.close()
