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
    "order_transitions",
    "payments",
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


@pytest.mark.parametrize(("inline", "busy_timeout"), [(True, 0), (False, 5000)])
async def test_database_settings_are_applied(
    tmp_path: Path, inline: bool, busy_timeout: int
) -> None:
    # Inline, a lock held elsewhere fails at once and is waited for on a thread
    # (tests/unit/storage/test_inline_connection.py), never on the event loop.
    db = await Database.open(f"sqlite:///{tmp_path}/x.db", inline=inline)
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
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": busy_timeout}


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


async def test_money_paths_migration_keeps_orders_and_their_references(tmp_path: Path) -> None:
    """0002 rebuilds `orders`, which codes, outbox and credit rows point at: nothing is
    lost, paid orders get a payment row and a timeline, and foreign keys hold again."""
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    first = available_migrations()[0]
    try:
        await db.executescript_in_transaction(f"{first.sql}\n;PRAGMA user_version = 1;")
        stamp = "2026-01-02T03:04:05.000000Z"
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users VALUES (7, 'Ann', 'en', 'US', ?, ?)", (stamp, stamp)
            )
            await conn.execute(
                "INSERT INTO products (sku, brand, name, region, face_value, face_currency,"
                " max_quantity, synced_at) VALUES ('s', 'B', 'N', 'US', 100, 'USD', 5, ?)",
                (stamp,),
            )
            await conn.execute(
                """INSERT INTO orders (id, user_id, chat_id, sku, quantity, currency,
                       unit_price, total_price, wholesale_unit_price, wholesale_currency,
                       quote_expires_at, status, telegram_payment_charge_id, paid_amount,
                       created_at, updated_at, paid_at)
                   VALUES ('GB1', 7, 7, 's', 1, 'XTR', 90, 90, 100, 'USD', ?, 'delivered',
                       'ch-1', 90, ?, ?, ?)""",
                (stamp, stamp, stamp, stamp),
            )
            await conn.execute("INSERT INTO order_codes VALUES ('GB1', 0, x'00', ?)", (stamp,))
        applied = await migrate(db)
        async with db.read() as conn:
            order = await (await conn.execute("SELECT * FROM orders")).fetchone()
            payment = await (await conn.execute("SELECT * FROM payments")).fetchone()
            timeline = await (await conn.execute("SELECT * FROM order_transitions")).fetchall()
            codes = await (await conn.execute("SELECT count(*) FROM order_codes")).fetchone()
            born = await (
                await conn.execute("SELECT value FROM meta WHERE key = 'created_at'")
            ).fetchone()
            fk = await (await conn.execute("PRAGMA foreign_keys")).fetchone()
    finally:
        await db.close()
    assert [m.version for m in applied] == [m.version for m in available_migrations()[1:]]
    assert order is not None and order["status"] == "delivered"
    assert order["status_since"] == stamp and order["credit_used"] == 0
    assert payment is not None
    assert (payment["charge_id"], payment["order_id"], payment["status"]) == (
        "ch-1",
        "GB1",
        "applied",
    )
    assert [(t["from_status"], t["to_status"]) for t in timeline] == [(None, "delivered")]
    assert codes is not None and codes[0] == 1
    assert born is not None and born[0] == stamp, "the ledger's watermark is the first user"
    assert fk is not None and fk[0] == 1, "foreign keys are enforced again afterwards"
