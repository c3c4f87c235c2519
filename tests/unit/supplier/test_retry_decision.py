"""`should_retry`, the client's one retry rule, for every error class and status."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from supplier import errors
from supplier.errors import error_from_response
from supplier.retry import Verdict, should_retry

FINAL, RETRY, LOOKUP = Verdict.FINAL, Verdict.RETRY, Verdict.LOOKUP

# error -> (verdict for a request safe to repeat, verdict for a POST that creates an order)
TABLE: list[tuple[errors.SupplierError, Verdict, Verdict]] = [
    (errors.SupplierConnectionError("refused", request_sent=False), RETRY, RETRY),
    (errors.SupplierConnectionError("reset by peer"), RETRY, LOOKUP),
    (errors.SupplierTimeout(), RETRY, LOOKUP),
    (errors.SupplierResponseError("garbled"), FINAL, FINAL),
    (errors.SupplierStatusError(418), FINAL, FINAL),
    (errors.InvalidRequest(400), FINAL, FINAL),
    (errors.Unauthorized(401), FINAL, FINAL),
    (errors.InsufficientBalance(402), FINAL, FINAL),
    (errors.NotFound(404), FINAL, FINAL),
    (errors.SkuNotFound(404), FINAL, FINAL),
    (errors.OrderNotFound(404), FINAL, FINAL),
    (errors.Conflict(409), FINAL, FINAL),
    (errors.OutOfStock(409), FINAL, FINAL),
    (errors.PriceChanged(409), FINAL, FINAL),
    (errors.IdempotencyConflict(409), FINAL, FINAL),
    (errors.Unprocessable(422), FINAL, FINAL),
    (errors.QuantityLimit(422), FINAL, FINAL),
    (errors.OrderDeclined(422), FINAL, FINAL),
    (errors.InvalidPlayerId(422), FINAL, FINAL),
    (errors.RegionMismatch(422), FINAL, FINAL),
    # Refused before any work, so even an order is sent again without a lookup.
    (errors.RateLimited(retry_after=3), RETRY, RETRY),
    (errors.SupplierServerError(500), RETRY, LOOKUP),
    (errors.UpstreamUnavailable(503), RETRY, LOOKUP),
]


@pytest.mark.parametrize(
    ("error", "safe", "creating"), TABLE, ids=[type(row[0]).__name__ for row in TABLE]
)
def test_decision_table(error: errors.SupplierError, safe: Verdict, creating: Verdict) -> None:
    assert should_retry(error) is safe
    assert should_retry(error, idempotent=True) is safe
    assert should_retry(error, idempotent=False) is creating


def test_the_table_covers_every_error_class() -> None:
    # A new error class must get a row (and so a decision) before it ships.
    classes = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.SupplierError) and cls is not errors.SupplierError
    }
    assert classes == {type(error) for error, _, _ in TABLE}


@pytest.mark.parametrize("status", range(400, 600))
def test_every_error_status_by_its_family(status: int) -> None:
    error = error_from_response(status, None)
    if status == 429:
        expected = (RETRY, RETRY)
    elif status >= 500:
        expected = (RETRY, LOOKUP)
    else:
        expected = (FINAL, FINAL)
    assert (should_retry(error), should_retry(error, idempotent=False)) == expected


def envelope(code: str, retryable: bool) -> Any:
    return {"error": {"code": code, "message": "m", "retryable": retryable}}


@pytest.mark.parametrize(
    ("status", "code", "claimed", "verdict"),
    [
        # The status family decides, whatever the body claims (a proxy may rewrite it).
        (400, "rate_limited", True, FINAL),
        (409, "out_of_stock", True, FINAL),
        (503, "upstream_unavailable", False, RETRY),
        (500, "internal_error", False, RETRY),
        (429, "rate_limited", False, RETRY),
    ],
)
def test_the_body_retryable_flag_does_not_steer_the_loop(
    status: int, code: str, claimed: bool, verdict: Verdict
) -> None:
    error = error_from_response(status, envelope(code, claimed))

    assert should_retry(error) is verdict
    # ...but it is kept for callers deciding what to do once the client gave up.
    assert error.retryable is claimed


STATUS_ROWS = [
    (error, safe) for error, safe, _ in TABLE if isinstance(error, errors.SupplierStatusError)
]


@pytest.mark.parametrize(
    ("error", "safe"), STATUS_ROWS, ids=[type(row[0]).__name__ for row in STATUS_ROWS]
)
def test_the_retryable_attribute_defaults_to_the_rule(
    error: errors.SupplierStatusError, safe: Verdict
) -> None:
    assert error.retryable is (safe is not FINAL)
