"""What the repositories return: frozen dataclasses, money as integer minor units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OrderStatus(StrEnum):
    """DESIGN.md's purchase state machine; storage is the source of truth."""

    QUOTED = "quoted"  # invoice sent with the price quote
    EXPIRED = "expired"  # quote lapsed unpaid
    PAID = "paid"  # successful_payment stored
    ORDERING = "ordering"  # supplier POST under way (reference = order id)
    PENDING = "pending"  # supplier accepted, fulfilment later
    DELIVERED = "delivered"  # every code stored and queued for the customer
    PARTIAL = "partial"  # some codes delivered, the rest credited
    FAILED = "failed"  # nothing issued; a Stars refund is owed
    REFUNDED = "refunded"  # refundStarPayment done
    REFUND_DUE = "refund_due"  # fiat payment: an admin refunds by hand

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset(
    {
        OrderStatus.EXPIRED,
        OrderStatus.DELIVERED,
        OrderStatus.PARTIAL,
        OrderStatus.REFUNDED,
        OrderStatus.REFUND_DUE,
    }
)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    first_name: str
    language: str | None
    region: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    brand: str
    name: str
    region: str
    face_value: int
    face_currency: str
    redemption_instructions: str
    redemption_url: str | None
    max_quantity: int
    active: bool
    supplier_updated_at: datetime | None
    synced_at: datetime


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A price quote about to become an invoice."""

    id: str
    user_id: int
    chat_id: int
    sku: str
    quantity: int
    currency: str
    unit_price: int
    wholesale_unit_price: int
    wholesale_currency: str
    quote_expires_at: datetime


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    user_id: int
    chat_id: int
    sku: str
    quantity: int
    currency: str
    unit_price: int
    total_price: int
    wholesale_unit_price: int
    wholesale_currency: str
    quote_expires_at: datetime
    status: OrderStatus
    telegram_payment_charge_id: str | None
    provider_payment_charge_id: str | None
    paid_amount: int | None
    supplier_order_id: str | None
    supplier_status: str | None
    supplier_version: int
    fulfilled_quantity: int
    credited_amount: int
    failure_reason: str | None
    invoice_message_id: int | None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    finished_at: datetime | None
    version: int


@dataclass(frozen=True, slots=True)
class Code:
    """One issued code, decrypted. Never log it."""

    code: str
    pin: str | None = None
    serial: str | None = None
    redemption_url: str | None = None
    expires_at: str | None = None


@dataclass(frozen=True, slots=True)
class SupplierEvent:
    event_id: str
    event_type: str
    supplier_order_id: str
    reference: str
    order_version: int
    received_at: datetime
    processed_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    chat_id: int
    order_id: str | None
    kind: str
    payload: str
    dedupe_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreditEntry:
    id: int
    user_id: int
    amount: int
    currency: str
    order_id: str | None
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    admin_id: int
    action: str
    target: str | None
    details: str
    created_at: datetime
