"""Top-up fixtures shared by the bot's unit tests: a top-up product (the supplier's
validation is `tests.support.fake_supplier.FakeSupplier.validate_topup`)."""

from __future__ import annotations

from storage.models import Product
from tests.support.orders import NOW

TOPUP = Product(
    sku="pubgm-global-60",
    brand="PUBG Mobile",
    name="PUBG Mobile 60 UC (GLOBAL)",
    region="GLOBAL",
    face_value=99,
    face_currency="USD",
    redemption_instructions="",
    redemption_url=None,
    max_quantity=1,
    active=True,
    supplier_updated_at=None,
    synced_at=NOW,
    kind="topup",
)
