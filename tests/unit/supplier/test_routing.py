"""The routing decisions as tables: ranking offers, what a refusal means, the breaker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from supplier.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    InvalidRequest,
    OrderDeclined,
    OutOfStock,
    PriceChanged,
    SkuNotFound,
    SupplierConnectionError,
    SupplierError,
    SupplierServerError,
    SupplierTimeout,
    Unauthorized,
)
from supplier.routing import BreakerChange, CircuitBreaker, Offer, Refusal, classify, rank

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def offer(name: str, price: int | None, *, stock: bool = True, priority: int = 0, pos: int = 0,
          currency: str = "USD") -> Offer:  # fmt: skip
    return Offer(name, priority, pos, in_stock=stock, price=price, currency=currency)


@pytest.mark.parametrize(
    ("offers", "expected"),
    [
        # The cheapest in-stock offer first, whatever the priority.
        ([offer("a", 1050, priority=0), offer("b", 1000, priority=10)], ["b", "a"]),
        # A price tie goes to the lower priority number, then to file order.
        ([offer("a", 1000, priority=10), offer("b", 1000, priority=0)], ["b", "a"]),
        ([offer("a", 1000, pos=1), offer("b", 1000, pos=0)], ["b", "a"]),
        # Out of stock: left out, however cheap.
        ([offer("a", 900, stock=False), offer("b", 1000)], ["b"]),
        # Over the ceiling: left out.
        ([offer("a", 1100), offer("b", 1000)], ["b"]),
        # Another currency cannot be compared with the order's ceiling: left out.
        ([offer("a", 500, currency="EUR"), offer("b", 1000)], ["b"]),
        # A supplier that could not answer comes after every known offer, by priority.
        (
            [offer("a", None, priority=5), offer("b", 1000, priority=9), offer("c", None)],
            ["b", "c", "a"],
        ),
        ([offer("a", 900, stock=False), offer("b", 1200)], []),
    ],
)
def test_rank(offers: list[Offer], expected: list[str]) -> None:
    assert rank(offers, ceiling=1050, currency="USD") == expected


def test_rank_without_a_ceiling_keeps_every_in_stock_offer() -> None:
    assert rank([offer("a", 5000), offer("b", 10)]) == ["b", "a"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OutOfStock(409, "out_of_stock", "gone"), Refusal.NEXT),
        (SkuNotFound(404, "sku_not_found", "no"), Refusal.NEXT),
        (OrderDeclined(422, "order_declined", "no"), Refusal.NEXT),
        (InsufficientBalance(402, "insufficient_balance", "no"), Refusal.NEXT),
        (PriceChanged(409, "price_changed", "over"), Refusal.NEXT),
        (InvalidRequest(400, "invalid_request", "bad"), Refusal.FINAL),
        (Unauthorized(401, "unauthorized", "key"), Refusal.WAIT),
        (IdempotencyConflict(409, "idempotency_conflict", "other body"), Refusal.UNSURE),
        (SupplierServerError(500, "internal_error", "oops"), Refusal.UNSURE),
        (SupplierTimeout("slow"), Refusal.UNSURE),
        (SupplierConnectionError("reset", request_sent=True), Refusal.UNSURE),
        (SupplierConnectionError("refused", request_sent=False), Refusal.NOT_SENT),
    ],
)
def test_classify(error: SupplierError, expected: Refusal) -> None:
    assert classify(error) is expected


def test_breaker_opens_after_n_failures_in_a_row_and_alerts_once() -> None:
    breaker = CircuitBreaker(threshold=3, cool_down=timedelta(seconds=30))
    assert [breaker.failure(T0) for _ in range(2)] == [None, None]
    assert breaker.allows(T0)
    assert breaker.failure(T0) is BreakerChange.OPENED
    assert not breaker.allows(T0 + timedelta(seconds=29))
    # Cool-down over: one try is let through; it fails, so closed to traffic again, silently.
    later = T0 + timedelta(seconds=30)
    assert breaker.allows(later)
    assert breaker.failure(later) is None
    assert not breaker.allows(later + timedelta(seconds=29))
    # The next try succeeds: closed, said once.
    again = later + timedelta(seconds=30)
    assert breaker.allows(again)
    assert breaker.success() is BreakerChange.CLOSED
    assert breaker.success() is None
    assert breaker.allows(again)


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=2)
    breaker.failure(T0)
    assert breaker.success() is None
    assert breaker.failure(T0) is None, "one failure after a success is not two in a row"


def test_breaker_refuses_a_threshold_below_one() -> None:
    with pytest.raises(ValueError, match="threshold"):
        CircuitBreaker(threshold=0)
