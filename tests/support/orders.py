"""Order rows built in memory, for tests that render or decide without a database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from storage.models import Order, OrderStatus

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
