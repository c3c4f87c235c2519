"""What the repositories return: frozen dataclasses, money as integer minor units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The statuses live with their transition table; re-exported for the models that carry one.
from storage.order_states import OrderStatus as OrderStatus


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
    kind: str = "code"  # code: the order issues codes; topup: it credits a player's account

    @property
    def is_topup(self) -> bool:
        return self.kind == "topup"


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A price quote about to become an invoice (or, when credit covers it, a confirm button)."""

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
    credit_used: int = 0
    player_id: str | None = None  # top-ups: the game account to credit
    player_name: str | None = None  # top-ups: its display name, as the supplier validated it


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
    status_since: datetime
    credit_used: int
    reserved_until: datetime | None
    attention_reason: str | None
    attention_from: OrderStatus | None
    attempts: int  # tries of the step owed in this status (refunds, post-delivery checks)
    next_attempt_at: datetime | None
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
    voided_at: datetime | None
    version: int
    player_id: str | None = None  # top-ups only
    player_name: str | None = None

    @property
    def is_topup(self) -> bool:
        return self.player_id is not None

    @property
    def amount_due(self) -> int:
        """What the invoice asks for: the price less the store credit used."""
        return self.total_price - self.credit_used


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
    supplier: str  # whose webhook it was: webhook-ids are unique per supplier only
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
    parts_sent: int = 0


@dataclass(frozen=True, slots=True)
class CreditEntry:
    id: int
    user_id: int
    amount: int
    currency: str
    order_id: str | None
    reason: str
    created_at: datetime
    actor_id: int | None = None  # the admin who adjusted it by hand
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OrderTransition:
    order_id: str
    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment Telegram reported, and what became of it."""

    charge_id: str
    provider_charge_id: str | None
    user_id: int
    currency: str
    amount: int
    payload: str
    order_id: str | None
    status: str
    source: str
    paid_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    admin_id: int
    action: str
    target: str | None
    details: str
    created_at: datetime
