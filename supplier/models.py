"""Wire shapes of the supplier API (v1), shared by the sandbox server and the client.

Field names and types follow docs/supplier-api.md exactly. Money is always integer minor
units; timestamps are timezone-aware and serialised as RFC 3339 UTC with a `Z` suffix.
Response models ignore unknown fields so a newer server does not break an older client;
request models reject wrong types instead of coercing them (`"2"` is not a quantity).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, StrictInt


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcDatetime = Annotated[
    AwareDatetime, PlainSerializer(_rfc3339, return_type=str, when_used="json-unless-none")
]
"""An aware datetime that serialises as `2026-11-26T10:00:00Z`."""

Sku = Annotated[str, Field(min_length=1, max_length=64)]
Reference = Annotated[str, Field(min_length=1, max_length=128)]
PlayerId = Annotated[str, Field(min_length=1, max_length=64)]

ProductKind = Literal["code", "topup"]
StockStatus = Literal["in_stock", "low", "out_of_stock"]
OrderStatus = Literal["pending", "completed", "partial", "failed", "refunded"]
LedgerEntryType = Literal["debit", "refund", "topup", "adjustment"]
WebhookEventType = Literal["order.created", "order.fulfilled", "order.failed", "order.refunded"]
ErrorCode = Literal[
    "invalid_request",
    "unauthorized",
    "insufficient_balance",
    "sku_not_found",
    "order_not_found",
    "out_of_stock",
    "price_changed",
    "idempotency_conflict",
    "quantity_limit",
    "order_declined",
    "invalid_player_id",
    "region_mismatch",
    "rate_limited",
    "internal_error",
    "upstream_unavailable",
]

# code -> (HTTP status, retryable): the one table both sides map errors from.
ERROR_CODES: Final[dict[str, tuple[int, bool]]] = {
    "invalid_request": (400, False),
    "unauthorized": (401, False),
    "insufficient_balance": (402, False),
    "sku_not_found": (404, False),
    "order_not_found": (404, False),
    "out_of_stock": (409, False),
    "price_changed": (409, False),
    "idempotency_conflict": (409, False),
    "quantity_limit": (422, False),
    "order_declined": (422, False),
    "invalid_player_id": (422, False),
    "region_mismatch": (422, False),
    "rate_limited": (429, True),
    "internal_error": (500, True),
    "upstream_unavailable": (503, True),
}

TERMINAL_STATUSES: Final[frozenset[str]] = frozenset({"completed", "partial", "failed", "refunded"})


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(_Wire):
    amount: StrictInt = Field(description="Integer amount in minor units (cents)")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")


class Product(_Wire):
    sku: Sku
    name: str
    brand: str
    region: str = Field(description="ISO 3166-1 alpha-2, or EU / GLOBAL")
    face_value: Money = Field(description="In the card's own currency")
    redemption_instructions: str
    redemption_url: str | None = None
    max_quantity: int = Field(ge=1)
    available: bool
    updated_at: UtcDatetime
    kind: ProductKind = Field(
        default="code",
        description="code: the order returns codes; topup: credit sent to a player's "
        "account, the order needs a validated player_id and returns no codes",
    )


class CatalogPage(_Wire):
    items: list[Product]
    next_cursor: str | None = None


class Stock(_Wire):
    sku: Sku
    status: StockStatus
    available: int | None = Field(default=None, description="Units on hand, capped; null = unknown")
    updated_at: UtcDatetime


class Price(_Wire):
    sku: Sku
    face_value: Money
    unit_price: Money = Field(description="Wholesale, in the account currency")
    valid_until: UtcDatetime
    updated_at: UtcDatetime


class OrderRequest(_Request):
    sku: Sku
    quantity: StrictInt = Field(ge=1)
    reference: Reference = Field(description="Reseller's unique id; the idempotency key")
    max_unit_price: Money | None = None
    player_id: PlayerId | None = Field(
        default=None, description="Required for top-up SKUs, refused for code SKUs"
    )


class TopupValidation(_Request):
    """POST /v1/topups/validate: is this player id one the top-up SKU can credit?"""

    sku: Sku
    player_id: PlayerId


class Player(_Wire):
    """A game account a top-up can credit, as the supplier found it."""

    player_id: str
    display_name: str = Field(description="The in-game name, for the buyer to confirm")
    region: str = Field(description="The account's region: ISO 3166-1 alpha-2, or EU")


class TopupCredit(_Wire):
    """What a completed top-up order sent instead of codes."""

    player_id: str
    display_name: str
    amount: Money = Field(description="Face value credited, in the product's currency")


class Code(_Wire):
    code: str
    pin: str | None = None
    serial: str | None = None
    redemption_url: str | None = None
    expires_at: UtcDatetime | None = None


class Order(_Wire):
    order_id: str
    reference: str
    sku: str
    quantity: int
    status: OrderStatus
    unit_price: Money
    total: Money
    fulfilled_quantity: int
    codes: list[Code] = Field(default_factory=list)
    failure_reason: str | None = None
    player_id: str | None = Field(default=None, description="Top-ups: the account to credit")
    topup: TopupCredit | None = Field(
        default=None, description="Top-ups: the credit sent, once completed"
    )
    created_at: UtcDatetime
    updated_at: UtcDatetime
    version: int = Field(ge=1, description="+1 on every change; order webhooks by it")


class Balance(_Wire):
    available: Money
    reserved: Money
    updated_at: UtcDatetime


class LedgerEntry(_Wire):
    entry_id: str
    occurred_at: UtcDatetime
    type: LedgerEntryType
    order_id: str | None = None
    reference: str | None = None
    sku: str | None = None
    quantity: int | None = None
    amount: Money = Field(description="Signed: debits are negative")
    balance_after: Money
    note: str | None = Field(default=None, description="Free text on adjustments (extension)")


class Reconciliation(_Wire):
    opening_balance: Money
    closing_balance: Money
    entries: list[LedgerEntry]
    next_cursor: str | None = None


class WebhookEventData(_Wire):
    order_id: str
    reference: str
    status: OrderStatus
    version: int


class WebhookEvent(_Wire):
    type: WebhookEventType
    timestamp: UtcDatetime
    data: WebhookEventData


class ErrorBody(_Wire):
    # A plain str, not ErrorCode: an unknown code from a newer server must still parse.
    code: str
    message: str
    retryable: bool
    request_id: str | None = None


class ErrorEnvelope(_Wire):
    error: ErrorBody


# --- Sandbox control endpoints (only the sandbox serves these) ---


class SetBalanceRequest(_Request):
    amount: Money


class SetStockRequest(_Request):
    sku: Sku
    available: StrictInt = Field(ge=0, le=1_000_000)


class AdjustmentRequest(_Request):
    amount: Money
    note: str = Field(min_length=1, max_length=500)


class WebhookDelivery(_Wire):
    event_id: str
    type: WebhookEventType
    url: str
    attempt: int = Field(ge=1)
    status_code: int | None = Field(description="null when the request failed or timed out")
    error: str | None = None
    signature_valid: bool = Field(description="False for deliberately corrupted signatures")
    occurred_at: UtcDatetime


class WebhookDeliveries(_Wire):
    items: list[WebhookDelivery]
