"""Orders and products built in memory: rows for repositories, or orders for tests that render
or decide without a database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.models import NewOrder, Order, OrderStatus
from storage.repositories import ProductData

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

_BASE = Order(
    id="GBABCDEFGH23",
    user_id=42,
    chat_id=42,
    sku="steam-us-20",
    quantity=2,
    currency="XTR",
    unit_price=1693,
    total_price=3386,
    wholesale_unit_price=2000,
    wholesale_currency="USD",
    quote_expires_at=NOW,
    status=OrderStatus.DELIVERED,
    status_since=NOW,
    credit_used=0,
    reserved_until=None,
    attention_reason=None,
    attention_from=None,
    attempts=0,
    next_attempt_at=None,
    telegram_payment_charge_id="c",
    provider_payment_charge_id=None,
    paid_amount=3386,
    supplier_order_id="s",
    supplier_status="completed",
    supplier_version=1,
    fulfilled_quantity=2,
    credited_amount=0,
    failure_reason=None,
    invoice_message_id=1,
    created_at=NOW,
    updated_at=NOW,
    paid_at=NOW,
    finished_at=NOW,
    voided_at=None,
    version=3,
)


def make_order(**fields: Any) -> Order:
    """A delivered order of two Steam cards, with `fields` changed."""
    return dataclasses.replace(_BASE, **fields)


def product(sku: str, region: str = "US", brand: str = "Steam", value: int = 2000) -> ProductData:
    return ProductData(
        sku=sku,
        brand=brand,
        name=f"{brand} {value // 100}",
        region=region,
        face_value=value,
        face_currency="USD",
        redemption_instructions="Redeem in the client.",
        redemption_url="https://example.com/redeem",
        max_quantity=5,
        active=True,
        supplier_updated_at=NOW,
    )


def new_order(order_id: str = "GB1", user_id: int = 1, quantity: int = 2) -> NewOrder:
    return NewOrder(
        id=order_id,
        user_id=user_id,
        chat_id=user_id,
        sku="steam-us-20",
        quantity=quantity,
        currency="XTR",
        unit_price=1700,
        wholesale_unit_price=1900,
        wholesale_currency="USD",
        quote_expires_at=NOW + timedelta(minutes=15),
    )
