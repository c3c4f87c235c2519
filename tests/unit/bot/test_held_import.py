"""Importing pre-purchased codes into storage: all or nothing for a bad file, duplicates
refused by row number (held, sold, or repeated in the file), codes sealed at rest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.held_import import (
    HeldImportError,
    ImportResult,
    format_cost,
    import_held_codes,
    parse_cost,
    parse_currency,
)
from storage.repositories import (
    HeldCodeRepository,
    OrderRepository,
    ProductRepository,
    UserRepository,
)
from storage.store import Storage
from tests.support.orders import NOW, new_order, product

SKU = "steam-us-20"


@pytest.fixture
async def store(storage: Storage) -> Storage:
    async with storage.db.transaction() as conn:
        await ProductRepository(conn).upsert_product(product(SKU), NOW)
        await UserRepository(conn).upsert_user(1, "Ann", "en", NOW)
        await OrderRepository(conn).create_order(new_order("GB1"), NOW)  # claims are for it
    return storage


async def run(store: Storage, text: str, sku: str = SKU, cost: int | None = 950) -> ImportResult:
    return await import_held_codes(
        store.db,
        store.cipher,
        sku=sku,
        data=text.encode(),
        cost=cost,
        currency="USD",
        batch="test",
        now=NOW,
    )


async def held(store: Storage) -> int:
    async with store.db.read() as conn:
        return await HeldCodeRepository(conn, store.cipher).count_sellable(SKU, NOW)


async def test_import_seals_codes_and_says_what_it_did(store: Storage) -> None:
    result = await run(store, "code,pin\nAAAA-1111,12\nBBBB-2222,\n")
    assert result.summary() == "imported 2 code(s) of steam-us-20 at 9.50 USD each; 2 held now"
    assert await held(store) == 2
    async with store.db.read() as conn:
        cursor = await conn.execute("SELECT sealed, fingerprint FROM held_codes")
        rows = [(bytes(r[0]), bytes(r[1])) for r in await cursor.fetchall()]
    assert len(rows) == 2
    for sealed, fingerprint in rows:  # sealed at rest, fingerprint keyed
        for code in (b"AAAA-1111", b"AAAA1111", b"BBBB-2222"):
            assert code not in sealed and code not in fingerprint


async def test_duplicates_are_refused_by_row_and_the_rest_imported(store: Storage) -> None:
    await run(store, "code\nAAAA-1111\n")
    result = await run(store, "code\nCCCC-3333\naaaa 1111\nDDDD\ncccc-3333\n")
    assert result.imported == 2
    assert result.refused == ["row 3 (already held or sold)", "row 5 (same as row 2)"]
    assert "AAAA" not in result.summary() and "CCCC" not in result.summary()
    assert await held(store) == 3


async def test_a_code_already_sold_from_held_stock_is_refused(store: Storage) -> None:
    await run(store, "code\nAAAA-1111\n")
    async with store.db.transaction() as conn:
        claimed = await HeldCodeRepository(conn, store.cipher).claim(SKU, 1, "GB1", NOW)
    assert [c.code for c in claimed] == ["AAAA-1111"]
    result = await run(store, "code\nAAAA-1111\n")
    assert (result.imported, result.refused) == (0, ["row 2 (already held or sold)"])


@pytest.mark.parametrize(
    ("text", "sku", "expected"),
    [
        ("code\nAAAA\n", "no-such-sku", "unknown SKU 'no-such-sku'"),
        ("pin\n1\n", SKU, "missing column `code`"),
        ("code,expires_at\nAAAA,2026-12-31\nBBBB,2020-01-01\n", SKU, "row 3: expired"),
    ],
)
async def test_a_bad_import_changes_nothing(
    store: Storage, text: str, sku: str, expected: str
) -> None:
    with pytest.raises(HeldImportError, match=expected):
        await run(store, text, sku=sku)
    assert await held(store) == 0


async def test_claim_takes_soonest_expiring_first_and_never_an_expired_one(store: Storage) -> None:
    day = NOW + timedelta(days=1)
    await run(
        store,
        f"code,expires_at\nLATE,2027-01-01\nNEVER,\nSOON,{day.date().isoformat()}\n",
    )
    async with store.db.transaction() as conn:
        repo = HeldCodeRepository(conn, store.cipher)
        later = NOW + timedelta(days=3)  # SOON has expired by then
        assert [c.code for c in await repo.claim(SKU, 3, "GB1", later)] == []  # only 2 good
        assert [c.code for c in await repo.claim(SKU, 2, "GB1", later)] == ["LATE", "NEVER"]
        assert await repo.count_sellable(SKU, later) == 0


@pytest.mark.parametrize(("text", "cents"), [("9.50", 950), ("10", 1000), ("0.01", 1)])
def test_cost_in_cents(text: str, cents: int) -> None:
    assert parse_cost(text) == cents
    assert parse_cost(format_cost(cents)) == cents


@pytest.mark.parametrize("text", ["-1", "9.505", "abc", "nan", "inf"])
def test_bad_cost_is_refused(text: str) -> None:
    with pytest.raises(HeldImportError, match="--cost"):
        parse_cost(text)


def test_currency_is_three_letters() -> None:
    assert parse_currency(" usd ") == "USD"
    with pytest.raises(HeldImportError, match="--currency"):
        parse_currency("US1")


async def test_the_count_customers_see_is_capped(store: Storage) -> None:
    await run(store, "code\nA\nB\nC\n")
    async with store.db.read() as conn:
        repo = HeldCodeRepository(conn, store.cipher)
        assert await repo.count_sellable(SKU, NOW, cap=2) == 2
        assert await repo.count_sellable(SKU, NOW) == 3
