"""What customers browse is read once per sync, and a sync shows its changes at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.catalog import CatalogService
from storage.store import Storage
from tests.support.fake_supplier import FakeSupplier, product
from tests.support.reads import count_reads

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_views_come_from_memory_until_the_next_sync(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    supplier = FakeSupplier(now=NOW)
    supplier.catalog = [
        product("steam-us", name="Card"),
        product("psn-de", name="Card", brand="PlayStation", region="DE"),
    ]
    catalog = CatalogService(storage.db, supplier)
    await catalog.sync()
    first = (
        await catalog.regions(),
        await catalog.brands("US"),
        await catalog.products("US", "Steam"),
        await catalog.find_product("steam-us"),
    )
    reads = count_reads(storage.db, monkeypatch)
    again = (
        await catalog.regions(),
        await catalog.brands("US"),
        await catalog.products("US", "Steam"),
        await catalog.find_product("steam-us"),
    )
    assert (again, reads.count) == (first, 0)
    again[2].clear()  # a caller's list is its own
    assert len(await catalog.products("US", "Steam")) == 1

    # The supplier renames one card and drops the other: the next views show it.
    supplier.catalog = [product("steam-us", name="Steam 20")]
    await catalog.sync()
    renamed = await catalog.find_product("steam-us")
    assert renamed is not None and renamed.name == "Steam 20"
    gone = await catalog.find_product("psn-de")
    assert gone is not None and not gone.active
    assert await catalog.regions() == ["US"]
    assert reads.count > 0
