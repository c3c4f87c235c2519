"""The top-ups migration: products gain a kind, orders the player they credit. Rows from
before it read as gift cards; values no top-up can have are refused by the schema."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from storage.database import Database
from storage.migrate import available_migrations, migrate
from storage.repositories import OrderRepository, ProductRepository
from storage.store import Storage
from tests.support.orders import NOW, new_order, product

STAMP = "2026-01-02T03:04:05.000000Z"


async def test_rows_from_before_the_migration_are_gift_cards(tmp_path: Path) -> None:
    migrations = available_migrations()
    [topups] = [m for m in migrations if m.name == "topups"]
    db = await Database.open(f"sqlite:///{tmp_path}/x.db")
    try:
        for earlier in migrations[: migrations.index(topups)]:
            await db.executescript_in_transaction(
                f"{earlier.sql}\n;PRAGMA user_version = {earlier.version};",
                foreign_keys="foreign_keys=off" not in earlier.sql,
            )
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users VALUES (1, 'Ann', 'en', 'US', ?, ?)", (STAMP,) * 2
            )
            await conn.execute(
                "INSERT INTO products (sku, brand, name, region, face_value, face_currency,"
                " max_quantity, synced_at)"
                " VALUES ('steam-us-20', 'B', 'N', 'US', 100, 'USD', 5, ?)",
                (STAMP,),
            )
            await conn.execute(
                """INSERT INTO orders (id, user_id, chat_id, sku, quantity, currency,
                       unit_price, total_price, wholesale_unit_price, wholesale_currency,
                       quote_expires_at, status, status_since, created_at, updated_at)
                   VALUES ('GB1', 1, 1, 'steam-us-20', 1, 'XTR', 90, 90, 100, 'USD', ?,
                       'quoted', ?, ?, ?)""",
                (STAMP,) * 4,
            )
        await migrate(db)
        async with db.read() as conn:
            card = await ProductRepository(conn).get_product("steam-us-20")
            order = await OrderRepository(conn).get_order("GB1")
    finally:
        await db.close()
    assert card.kind == "code" and not card.is_topup
    assert (order.player_id, order.player_name, order.is_topup) == (None, None, False)


async def test_a_top_up_product_and_order_keep_their_player(storage: Storage) -> None:
    async with storage.db.transaction() as conn:
        await ProductRepository(conn).upsert_product(
            dataclasses.replace(product("steam-us-20"), kind="topup"), NOW
        )
        await conn.execute("INSERT INTO users VALUES (1, 'Ann', 'en', 'US', ?, ?)", (STAMP,) * 2)
        new = dataclasses.replace(
            new_order("GB1", quantity=1), player_id="5123456789", player_name="SwiftFalcon042"
        )
        created = await OrderRepository(conn).create_order(new, NOW)
    async with storage.db.read() as conn:
        stored = await ProductRepository(conn).get_product("steam-us-20")
        order = await OrderRepository(conn).get_order("GB1")
    assert stored.is_topup
    assert created == order
    assert (order.player_id, order.player_name, order.is_topup) == (
        "5123456789",
        "SwiftFalcon042",
        True,
    )


@pytest.mark.parametrize(("kind", "player_id"), [("voucher", None), ("topup", "5" * 65)])
async def test_values_no_top_up_can_have_are_refused_and_nothing_is_stored(
    storage: Storage, kind: str, player_id: str | None
) -> None:
    async with storage.db.transaction() as conn:
        await conn.execute("INSERT INTO users VALUES (1, 'Ann', 'en', 'US', ?, ?)", (STAMP,) * 2)
        await ProductRepository(conn).upsert_product(product("steam-us-20"), NOW)
    with pytest.raises(sqlite3.IntegrityError):
        async with storage.db.transaction() as conn:
            await ProductRepository(conn).upsert_product(
                dataclasses.replace(product("steam-us-20"), kind=kind), NOW
            )
            await OrderRepository(conn).create_order(
                dataclasses.replace(new_order("GB1", quantity=1), player_id=player_id), NOW
            )
    async with storage.db.read() as conn:
        assert (await ProductRepository(conn).get_product("steam-us-20")).kind == "code"
        assert await OrderRepository(conn).find_order("GB1") is None
