"""The product card's price: read live at most CARD_PRICE_TTL_SECONDS ago."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from bot.services.catalog import CatalogService
from bot.services.checkout import CARD_PRICE_TTL_SECONDS, CheckoutService
from bot.services.pricing import PriceRules
from storage.store import Storage
from tests.support.fake_supplier import FakeSupplier

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_card_price_is_read_once_per_ttl(storage: Storage) -> None:
    supplier = FakeSupplier(wholesale=1000, now=NOW)
    clock = [0.0]
    checkout = CheckoutService(
        storage.db,
        supplier,
        cast(CatalogService, None),  # the card price needs no catalog
        PriceRules("XTR", Decimal(10), Decimal("0.013")),
        purchases_per_minute=5,
        monotonic=lambda: clock[0],
    )
    first = await checkout.unit_price("sku-1")
    supplier.wholesale = 2000
    clock[0] = CARD_PRICE_TTL_SECONDS - 0.1
    assert await checkout.unit_price("sku-1") == first
    assert len(supplier.asked("get_price")) == 1, "a rush on one card costs one supplier call"
    clock[0] = CARD_PRICE_TTL_SECONDS
    later = await checkout.unit_price("sku-1")
    assert len(supplier.asked("get_price")) == 2
    assert later is not None and first is not None and later > first
    # A supplier that is down once the price has aged: no price, as before.
    supplier.down = True
    clock[0] = 2 * CARD_PRICE_TTL_SECONDS
    assert await checkout.unit_price("sku-1") is None
