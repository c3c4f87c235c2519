"""Routing between suppliers as pure decisions: which supplier to try first, which answers
send an order on to the next one, and when a supplier that keeps failing is left alone.

No I/O here, so every rule is tested as a table; `supplier.router` asks the suppliers and
`bot.services.placement` acts on the answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from supplier.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    OrderDeclined,
    OutOfStock,
    PriceChanged,
    QuantityLimit,
    SkuNotFound,
    SupplierConnectionError,
    SupplierError,
    SupplierStatusError,
    Unauthorized,
)

__all__ = [
    "BreakerChange",
    "CircuitBreaker",
    "Offer",
    "Refusal",
    "classify",
    "rank",
]


@dataclass(frozen=True, slots=True)
class Offer:
    """What one supplier says of one SKU now. `price` None: it could not say (down, or no
    such SKU there); such a supplier is still worth a try after every known offer."""

    supplier: str
    priority: int
    position: int  # order in SUPPLIERS_FILE: the last tie-break
    in_stock: bool
    price: int | None = None  # wholesale unit price, minor units
    currency: str | None = None


def rank(
    offers: Iterable[Offer], *, ceiling: int | None = None, currency: str | None = None
) -> list[str]:
    """Suppliers to try, best first: the cheapest in-stock offer within the ceiling (in
    the order's currency), ties by priority then file order; then suppliers that could not
    answer, by priority. Out-of-stock offers and offers over the ceiling are left out: the
    POST would only be refused."""
    known: list[Offer] = []
    unknown: list[Offer] = []
    for offer in offers:
        if offer.price is None:
            unknown.append(offer)
            continue
        if not offer.in_stock:
            continue
        if currency is not None and offer.currency != currency:
            continue  # not comparable, and the order's ceiling is in its own currency
        if ceiling is not None and offer.price > ceiling:
            continue
        known.append(offer)
    known.sort(key=lambda o: (o.price, o.priority, o.position))
    unknown.sort(key=lambda o: (o.priority, o.position))
    return [o.supplier for o in known] + [o.supplier for o in unknown]


class Refusal(Enum):
    """What a failed POST means for the order."""

    NEXT = "next"  # a final no from this supplier: nothing bought, try the next one
    FINAL = "final"  # a no that any supplier would give (a bad request): the order fails
    UNSURE = "unsure"  # may or may not have been placed: look it up by reference first
    NOT_SENT = "not_sent"  # never reached the supplier: safe to try the next one
    WAIT = "wait"  # the request is fine but cannot go anywhere now (our key refused)


# Answers after which another supplier may well say yes.
_NEXT = (OutOfStock, SkuNotFound, OrderDeclined, InsufficientBalance, PriceChanged, QuantityLimit)


def classify(exc: SupplierError) -> Refusal:
    if isinstance(exc, _NEXT):
        return Refusal.NEXT
    if isinstance(exc, Unauthorized):
        return Refusal.WAIT  # an operator fixes the key; the order waits in 'ordering'
    if isinstance(exc, IdempotencyConflict):
        return Refusal.UNSURE  # an order exists under our reference: see what it is
    if isinstance(exc, SupplierStatusError):
        return Refusal.UNSURE if exc.retryable else Refusal.FINAL
    if isinstance(exc, SupplierConnectionError) and not exc.request_sent:
        return Refusal.NOT_SENT
    return Refusal.UNSURE  # a timeout, a broken connection, an unreadable answer


class BreakerChange(Enum):
    OPENED = "opened"
    CLOSED = "closed"


class CircuitBreaker:
    """A supplier failing `threshold` times in a row is skipped for `cool_down`; then one
    call is let through (half-open): a success closes the breaker, a failure opens it for
    another cool-down. Changes are returned, once each, so the caller alerts once."""

    def __init__(self, *, threshold: int = 5, cool_down: timedelta = timedelta(seconds=60)) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.threshold = threshold
        self.cool_down = cool_down
        self.failures = 0
        self.open_until: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.open_until is not None

    def allows(self, now: datetime) -> bool:
        return self.open_until is None or now >= self.open_until

    def success(self) -> BreakerChange | None:
        was_open = self.is_open
        self.failures = 0
        self.open_until = None
        return BreakerChange.CLOSED if was_open else None

    def failure(self, now: datetime) -> BreakerChange | None:
        self.failures += 1
        if self.is_open:
            # The half-open try failed: closed again for a cool-down, no second alert.
            self.open_until = now + self.cool_down
            return None
        if self.failures >= self.threshold:
            self.open_until = now + self.cool_down
            return BreakerChange.OPENED
        return None
