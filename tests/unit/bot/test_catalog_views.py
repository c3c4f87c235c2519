"""What customers browse is read once per sync, and a sync shows its changes at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import cast

import pytest

from bot.services.catalog import CatalogService
from storage.store import Storage
from supplier import models as wire
from supplier.client import SupplierClient
from tests.support.reads import count_reads

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class CatalogOnly:
    def __init__(self) -> None:
        self.products: list[wire.Product] = []

    async def iter_catalog(self, **_: object) -> AsyncIterator[wire.Product]:
        for product in self.products:
            yield product


def _card(sku: str, brand: str, region: str = "US", name: str = "Card") -> wire.Product:
    return wire.Product(
        sku=sku,
        name=name,
        brand=brand,
        region=region,
        face_value=wire.Money(amount=2000, currency="USD"),
        redemption_instructions="Redeem it.",
        max_quantity=5,
        available=True,
        updated_at=NOW,
    )


async def test_views_come_from_memory_until_the_next_sync(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    supplier = CatalogOnly()
    supplier.products = [_card("steam-us", "Steam"), _card("psn-de", "PlayStation", "DE")]
    catalog = CatalogService(storage.db, cast(SupplierClient, supplier))
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
    supplier.products = [_card("steam-us", "Steam", name="Steam 20")]
    await catalog.sync()
    product = await catalog.find_product("steam-us")
    assert product is not None and product.name == "Steam 20"
    gone = await catalog.find_product("psn-de")
    assert gone is not None and not gone.active
    assert await catalog.regions() == ["US"]
    assert reads.count > 0
