"""The product card's price: read live at most CARD_PRICE_TTL_SECONDS ago."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from bot.services.catalog import CatalogService
from bot.services.checkout import CARD_PRICE_TTL_SECONDS, CheckoutService
from bot.services.pricing import PriceRules
from storage.store import Storage
from supplier.client import SupplierClient
from supplier.errors import SupplierTimeout
from supplier.models import Money, Price

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class PriceOnly:
    def __init__(self) -> None:
        self.calls = 0
        self.cents = 1000
        self.down = False

    async def get_price(self, sku: str, *, deadline: float | None = None) -> Price:
        self.calls += 1
        if self.down:
            raise SupplierTimeout("down")
        usd = Money(amount=self.cents, currency="USD")
        return Price(sku=sku, face_value=usd, unit_price=usd, valid_until=NOW, updated_at=NOW)


async def test_card_price_is_read_once_per_ttl(storage: Storage) -> None:
    supplier = PriceOnly()
    clock = [0.0]
    checkout = CheckoutService(
        storage.db,
        cast(SupplierClient, supplier),
        cast(CatalogService, None),  # the card price needs no catalog
        PriceRules("XTR", Decimal(10), Decimal("0.013")),
        purchases_per_minute=5,
        monotonic=lambda: clock[0],
    )
    first = await checkout.unit_price("sku-1")
    supplier.cents = 2000
    clock[0] = CARD_PRICE_TTL_SECONDS - 0.1
    assert await checkout.unit_price("sku-1") == first
    assert supplier.calls == 1, "a rush on one card costs one supplier call"
    clock[0] = CARD_PRICE_TTL_SECONDS
    later = await checkout.unit_price("sku-1")
    assert supplier.calls == 2
    assert later is not None and first is not None and later > first
    # A supplier that is down once the price has aged: no price, as before.
    supplier.down = True
    clock[0] = 2 * CARD_PRICE_TTL_SECONDS
    assert await checkout.unit_price("sku-1") is None
