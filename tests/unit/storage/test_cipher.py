from __future__ import annotations

import base64
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.cipher import CodeCipher, load_or_create_key
from storage.errors import CodesKeyError
from storage.models import Code, NewOrder
from storage.repositories import (
    CodeRepository,
    OrderRepository,
    ProductData,
    ProductRepository,
    UserRepository,
)
from storage.settings import StorageSettings
from storage.store import Storage, open_storage

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_round_trip_and_associated_data() -> None:
    cipher = CodeCipher(os.urandom(32))
    sealed = cipher.seal(b"ABCD-EFGH", order_id="GB1")
    assert b"ABCD-EFGH" not in sealed
    assert cipher.open(sealed, order_id="GB1") == b"ABCD-EFGH"
    with pytest.raises(CodesKeyError, match="moved"):
        cipher.open(sealed, order_id="GB2")


def test_tampering_and_wrong_key_are_detected() -> None:
    cipher = CodeCipher(os.urandom(32))
    sealed = bytearray(cipher.seal(b"code", order_id="GB1"))
    sealed[-1] ^= 1
    with pytest.raises(CodesKeyError):
        cipher.open(bytes(sealed), order_id="GB1")
    good = cipher.seal(b"code", order_id="GB1")
    with pytest.raises(CodesKeyError, match="wrong CODES_KEY"):
        CodeCipher(os.urandom(32)).open(good, order_id="GB1")
    with pytest.raises(CodesKeyError, match="malformed"):
        cipher.open(b"\x01short", order_id="GB1")


def test_generated_key_file_is_private_and_stable(tmp_path: Path) -> None:
    db_path = tmp_path / "giftbot.db"
    first = load_or_create_key(None, db_path)
    key_file = tmp_path / "giftbot.db.codes-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_or_create_key(None, db_path) == first
    assert len(first) == 32


def test_configured_key_wins_and_bad_key_is_named(tmp_path: Path) -> None:
    key = os.urandom(32)
    assert load_or_create_key(base64.b64encode(key).decode(), tmp_path / "x.db") == key
    assert not (tmp_path / "x.db.codes-key").exists()
    with pytest.raises(CodesKeyError, match="CODES_KEY"):
        load_or_create_key("bm90LWEta2V5", tmp_path / "x.db")


async def _order_with_code(storage: Storage, order_id: str, code: str) -> None:
    async with storage.db.transaction() as conn:
        await UserRepository(conn).upsert_user(1, "Ann", "en", NOW)
        await ProductRepository(conn).upsert_product(
            ProductData(
                "steam-us-20", "Steam", "Steam $20", "US", 2000, "USD", "", None, 5, True, None
            ),
            NOW,
        )
        await OrderRepository(conn).create_order(
            NewOrder(order_id, 1, 1, "steam-us-20", 1, "XTR", 100, 1900, "USD", NOW), NOW
        )
        await CodeRepository(conn, storage.cipher).add_codes(order_id, [Code(code)], NOW)


async def test_code_row_moved_to_another_order_fails(storage: Storage) -> None:
    await _order_with_code(storage, "GBA", "AAAA-1111")
    await _order_with_code(storage, "GBB", "BBBB-2222")
    async with storage.db.transaction() as conn:
        await conn.execute("DELETE FROM order_codes WHERE order_id = 'GBB'")
        await conn.execute("UPDATE order_codes SET order_id = 'GBB' WHERE order_id = 'GBA'")
    async with storage.db.read() as conn:
        with pytest.raises(CodesKeyError):
            await CodeRepository(conn, storage.cipher).list_codes("GBB")


async def test_codes_are_not_stored_in_clear(storage: Storage) -> None:
    await _order_with_code(storage, "GBA", "SECRET-CODE-1")
    async with storage.db.read() as conn:
        assert await CodeRepository(conn, storage.cipher).list_codes("GBA") == [
            Code("SECRET-CODE-1")
        ]
    assert b"SECRET-CODE-1" not in storage.db.path.read_bytes()
    wal = storage.db.path.with_name(storage.db.path.name + "-wal")
    assert not wal.exists() or b"SECRET-CODE-1" not in wal.read_bytes()


async def test_wrong_key_stops_start_up(storage_settings: StorageSettings) -> None:
    store = await open_storage(storage_settings)
    await store.close()
    other = StorageSettings(
        DATABASE_URL=storage_settings.database_url,
        CODES_KEY=base64.b64encode(os.urandom(32)).decode(),
        _env_file=None,
    )
    with pytest.raises(CodesKeyError, match="does not match"):
        await open_storage(other)


def test_fingerprint_is_keyed_stable_and_not_a_plain_hash() -> None:
    import hashlib

    key = os.urandom(32)
    cipher = CodeCipher(key)
    fingerprint = cipher.fingerprint("ABCD1234")
    assert len(fingerprint) == 32
    assert fingerprint == CodeCipher(key).fingerprint("ABCD1234")  # same key: dedupe works
    assert fingerprint != cipher.fingerprint("ABCD1235")
    # Case, spaces and dashes do not make another code.
    assert cipher.fingerprint("abcd-12 34") == fingerprint
    # Another key gives another fingerprint, and it is no plain hash one could brute-force.
    assert fingerprint != CodeCipher(os.urandom(32)).fingerprint("ABCD1234")
    assert fingerprint != hashlib.sha256(b"ABCD1234").digest()
