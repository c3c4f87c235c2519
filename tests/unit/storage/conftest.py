"""Fixtures of the storage tests."""

from __future__ import annotations

import pytest

from storage.repositories import ProductRepository, UserRepository
from storage.store import Storage
from tests.support.orders import NOW, product


@pytest.fixture
async def seeded(storage: Storage) -> Storage:
    async with storage.db.transaction() as conn:
        await UserRepository(conn).upsert_user(1, "Ann", "en", NOW)
        await UserRepository(conn).upsert_user(2, "Boris", "ru", NOW)
        await ProductRepository(conn).upsert_product(product("steam-us-20"), NOW)
    return storage
