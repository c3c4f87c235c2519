"""0007 rebuilds `orders` (no table-wide UNIQUE on supplier_order_id) and `supplier_events`
(deduped per supplier): a populated database loses nothing, keeps every index and every
reference, and the current attempts learn their supplier order ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite

from storage.database import Database
from storage.migrate import available_migrations, migrate

STAMP = "2026-01-02T03:04:05.000000Z"
KEPT = ("order_codes", "outbox", "credit_ledger", "payments", "order_transitions", "held_codes")

_ORDER = """INSERT INTO orders (id, user_id, chat_id, sku, quantity, currency, unit_price,
    total_price, credit_used, wholesale_unit_price, wholesale_currency, quote_expires_at,
    reserved_until, status, status_since, attention_reason, attention_from, attempts,
    next_attempt_at, telegram_payment_charge_id, provider_payment_charge_id, paid_amount,
    supplier_order_id, supplier_status, supplier_version, fulfilled_quantity, credited_amount,
    failure_reason, invoice_message_id, created_at, updated_at, paid_at, finished_at, voided_at,
    version, player_id, player_name)
    VALUES (?, 7, 7, ?, 1, 'XTR', 90, 90, ?, 100, 'USD', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
            ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


async def _rows(conn: aiosqlite.Connection, table: str) -> list[dict[str, Any]]:
    cursor = await conn.execute(f"SELECT * FROM {table} ORDER BY rowid")  # noqa: S608 - ours
    return [dict(row) for row in await cursor.fetchall()]


async def _populate(conn: aiosqlite.Connection) -> None:
    await conn.execute("INSERT INTO users VALUES (7, 'Ann', 'en', 'US', ?, ?)", (STAMP,) * 2)
    for sku, kind in (("s", "code"), ("t", "topup")):
        await conn.execute(
            "INSERT INTO products (sku, brand, name, region, face_value, face_currency,"
            " max_quantity, synced_at, kind) VALUES (?, 'B', 'N', 'US', 100, 'USD', 5, ?, ?)",
            (sku, STAMP, kind),
        )
    orders = [  # every column set somewhere, nulls elsewhere
        ("GBDONE", "s", 0, STAMP, None, "delivered", STAMP, None, None, 0, None, "ch-1", "pc-1",
         90, "ord_1", "completed", 3, 1, 0, None, 11, STAMP, STAMP, STAMP, STAMP, None, 5, None,
         None),
        ("GBTOPUP", "t", 90, STAMP, STAMP, "needs_attention", STAMP, "deadline", "pending", 2,
         STAMP, None, None, None, "ord_2", "pending", 1, 0, 0, None, None, STAMP, STAMP, STAMP,
         None, None, 4, "player-6789", "Ann"),
        ("GBVOID", "s", 0, STAMP, None, "voided", STAMP, None, None, 0, None, "ch-3", None, 90,
         "ord_3", "refunded", 4, 1, 90, None, None, STAMP, STAMP, STAMP, STAMP, STAMP, 7, None,
         None),
        ("GBQUOTE", "s", 0, STAMP, None, "quoted", STAMP, None, None, 0, None, None, None, None,
         None, None, 0, 0, 0, None, None, STAMP, STAMP, None, None, None, 1, None, None),
    ]  # fmt: skip
    for order in orders:
        await conn.execute(_ORDER, order)
    await conn.execute("INSERT INTO order_codes VALUES ('GBDONE', 0, x'00', ?, NULL)", (STAMP,))
    await conn.execute(
        "INSERT INTO outbox (chat_id, order_id, kind, dedupe_key, next_attempt_at, created_at)"
        " VALUES (7, 'GBDONE', 'codes', 'k1', ?, ?)",
        (STAMP, STAMP),
    )
    await conn.execute(
        "INSERT INTO credit_ledger (user_id, amount, currency, order_id, reason, created_at)"
        " VALUES (7, 90, 'XTR', 'GBVOID', 'voided', ?)",
        (STAMP,),
    )
    await conn.execute(
        "INSERT INTO payments (charge_id, user_id, currency, amount, payload, order_id, status,"
        " source, paid_at, created_at, updated_at)"
        " VALUES ('ch-1', 7, 'XTR', 90, 'GBDONE', 'GBDONE', 'applied', 'update', ?, ?, ?)",
        (STAMP,) * 3,
    )
    await conn.execute(
        "INSERT INTO order_transitions (order_id, from_status, to_status, at)"
        " VALUES ('GBDONE', 'pending', 'delivered', ?)",
        (STAMP,),
    )
    await conn.execute(
        "INSERT INTO held_codes (sku, fingerprint, sealed, cost_currency, batch, imported_at,"
        " order_id, sold_at) VALUES ('s', zeroblob(32), NULL, 'USD', 'b', ?, 'GBDONE', ?)",
        (STAMP, STAMP),
    )
    for order_id, n, supplier, status in (
        ("GBDONE", 1, "alpha", "unreachable"),
        ("GBDONE", 2, "beta", "placed"),
        ("GBTOPUP", 1, "alpha", "placed"),
    ):
        await conn.execute(
            "INSERT INTO supplier_attempts (order_id, n, supplier, reference, status, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (order_id, n, supplier, f"{order_id}-{n}", status, STAMP),
        )
    await conn.execute(
        "INSERT INTO supplier_events (event_id, event_type, supplier_order_id, reference,"
        " order_version, received_at, processed_at)"
        " VALUES ('msg_1', 'order.fulfilled', 'ord_1', 'GBDONE-2', 3, ?, ?)",
        (STAMP, STAMP),
    )


async def test_a_populated_database_loses_nothing(tmp_path: Path) -> None:
    migrations = available_migrations()
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    try:
        for m in migrations[:6]:  # up to 0006_routing
            await db.executescript_in_transaction(
                f"{m.sql}\n;PRAGMA user_version = {m.version};",
                foreign_keys="-- giftbot: foreign_keys=off" not in m.sql,
            )
        async with db.transaction() as conn:
            await _populate(conn)
        async with db.read() as conn:
            before = {table: await _rows(conn, table) for table in ("orders", *KEPT)}
            events_before = await _rows(conn, "supplier_events")
        applied = await migrate(db)
        async with db.read() as conn:
            after = {table: await _rows(conn, table) for table in ("orders", *KEPT)}
            events_after = await _rows(conn, "supplier_events")
            cursor = await conn.execute(
                "SELECT order_id, n, supplier_order_id FROM supplier_attempts ORDER BY order_id, n"
            )
            attempts = [tuple(row) for row in await cursor.fetchall()]
            cursor = await conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'"
                " AND sql IS NOT NULL"
            )
            indexes = {row[0] for row in await cursor.fetchall()}
            broken = await (await conn.execute("PRAGMA foreign_key_check")).fetchall()
            fk = await (await conn.execute("PRAGMA foreign_keys")).fetchone()
    finally:
        await db.close()
    assert [m.name for m in applied] == ["per_supplier_ids"]
    assert after == before, "every row and column of orders and what points at it survives"
    assert events_after == [{"supplier": "default", **events_before[0]}]
    assert attempts == [
        ("GBDONE", 1, None),  # superseded: the order's id was its successor's
        ("GBDONE", 2, "ord_1"),
        ("GBTOPUP", 1, "ord_2"),
    ]
    assert indexes == {"orders_user_created", "orders_status_updated", "orders_sku_open"}
    assert list(broken) == [] and fk is not None and fk[0] == 1
