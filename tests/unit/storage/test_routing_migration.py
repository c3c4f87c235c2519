"""The routing migration: orders placed before it become attempt 0 at `default`, under
their own id, so polls, webhooks and exports find them as they find new orders."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from storage.migrate import available_migrations, migrate

STAMP = "2026-01-02T03:04:05.000000Z"


async def test_orders_from_before_become_attempt_zero_at_default(tmp_path: Path) -> None:
    migrations = available_migrations()
    routing = next(i for i, m in enumerate(migrations) if m.sql.find("supplier_attempts") >= 0)
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    try:
        for m in migrations[:routing]:
            await db.executescript_in_transaction(f"{m.sql}\n;PRAGMA user_version = {m.version};")
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users VALUES (7, 'Ann', 'en', 'US', ?, ?)", (STAMP,) * 2
            )
            await conn.execute(
                "INSERT INTO products (sku, brand, name, region, face_value, face_currency,"
                " max_quantity, synced_at) VALUES ('s', 'B', 'N', 'US', 100, 'USD', 5, ?)",
                (STAMP,),
            )
            rows = [  # id, status, charge, supplier order id
                ("GBDONE", "delivered", "ch-1", "ord_1"),
                ("GBPOST", "ordering", "ch-2", None),
                ("GBQUOTE", "quoted", None, None),
                ("GBPAID", "paid", "ch-3", None),
            ]
            for order_id, status, charge, supplier_order_id in rows:
                await conn.execute(
                    """INSERT INTO orders (id, user_id, chat_id, sku, quantity, currency,
                           unit_price, total_price, wholesale_unit_price, wholesale_currency,
                           quote_expires_at, status, status_since, telegram_payment_charge_id,
                           supplier_order_id, created_at, updated_at, paid_at)
                       VALUES (?, 7, 7, 's', 1, 'XTR', 90, 90, 100, 'USD', ?, ?, ?, ?, ?, ?, ?,
                           ?)""",
                    (order_id, STAMP, status, STAMP, charge, supplier_order_id, STAMP, STAMP,
                     STAMP if charge else None),
                )  # fmt: skip
        await migrate(db)
        async with db.read() as conn:
            cursor = await conn.execute(
                "SELECT order_id, n, supplier, reference, status FROM supplier_attempts"
                " ORDER BY order_id"
            )
            attempts = [tuple(row) for row in await cursor.fetchall()]
    finally:
        await db.close()
    assert attempts == [
        ("GBDONE", 0, "default", "GBDONE", "placed"),
        ("GBPOST", 0, "default", "GBPOST", "open"),  # its POST may have landed: same reference
    ], "a quote or a paid order never POSTed gets its attempts from the new code"
