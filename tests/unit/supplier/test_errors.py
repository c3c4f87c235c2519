from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplier import errors
from supplier.errors import error_from_response, parse_retry_after
from supplier.models import ERROR_CODES

EXPECTED_CLASS: dict[str, type[errors.SupplierStatusError]] = {
    "invalid_request": errors.InvalidRequest,
    "unauthorized": errors.Unauthorized,
    "insufficient_balance": errors.InsufficientBalance,
    "sku_not_found": errors.SkuNotFound,
    "order_not_found": errors.OrderNotFound,
    "out_of_stock": errors.OutOfStock,
    "price_changed": errors.PriceChanged,
    "idempotency_conflict": errors.IdempotencyConflict,
    "quantity_limit": errors.QuantityLimit,
    "order_declined": errors.OrderDeclined,
    "invalid_player_id": errors.InvalidPlayerId,
    "region_mismatch": errors.RegionMismatch,
    "rate_limited": errors.RateLimited,
    "internal_error": errors.SupplierServerError,
    "upstream_unavailable": errors.UpstreamUnavailable,
}


def envelope(code: str, *, retryable: bool = False, request_id: str | None = "req_1") -> Any:
    body: dict[str, Any] = {"code": code, "message": f"{code} happened", "retryable": retryable}
    if request_id is not None:
        body["request_id"] = request_id
    return {"error": body}


def test_every_contract_code_has_a_class() -> None:
    assert set(EXPECTED_CLASS) == set(ERROR_CODES)


@pytest.mark.parametrize(("code", "status_retryable"), sorted(ERROR_CODES.items()))
def test_contract_codes_map_to_their_class(code: str, status_retryable: tuple[int, bool]) -> None:
    status, retryable = status_retryable
    exc = error_from_response(status, envelope(code, retryable=retryable))

    assert type(exc) is EXPECTED_CLASS[code]
    assert isinstance(exc, errors.SupplierError)
    assert (exc.status, exc.code, exc.retryable) == (status, code, retryable)
    assert exc.message == f"{code} happened"
    assert exc.request_id == "req_1"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, errors.InvalidRequest),
        (401, errors.Unauthorized),
        (402, errors.InsufficientBalance),
        (404, errors.NotFound),
        (409, errors.Conflict),
        (422, errors.Unprocessable),
        (429, errors.RateLimited),
        (500, errors.SupplierServerError),
        (502, errors.SupplierServerError),
        (503, errors.UpstreamUnavailable),
        (504, errors.SupplierServerError),
        (418, errors.SupplierStatusError),
    ],
)
def test_unknown_code_maps_by_status_and_keeps_the_code(
    status: int, expected: type[errors.SupplierStatusError]
) -> None:
    exc = error_from_response(status, envelope("brand_new_code"))

    assert type(exc) is expected
    assert exc.code == "brand_new_code"
    assert exc.status == status


@pytest.mark.parametrize(
    "body",
    [None, "<html>Bad gateway</html>", [], {"error": "boom"}, {"error": {"code": 5}}, {}],
)
def test_body_that_is_no_envelope_maps_by_status(body: Any) -> None:
    exc = error_from_response(502, body, request_id="hdr_1")

    assert type(exc) is errors.SupplierServerError
    assert exc.retryable is True
    assert exc.code == "internal_error"
    assert exc.request_id == "hdr_1"


def test_known_code_under_a_foreign_status_is_not_trusted() -> None:
    # A 400 must never become retryable because its body claims rate limiting.
    exc = error_from_response(400, envelope("rate_limited", retryable=True))
    assert type(exc) is errors.InvalidRequest

    # ...while any 5xx code stays a server error whatever the exact 5xx status is.
    assert type(error_from_response(502, envelope("internal_error"))) is errors.SupplierServerError


def test_request_id_from_the_body_wins_over_the_header() -> None:
    assert error_from_response(404, envelope("sku_not_found"), request_id="hdr").request_id == (
        "req_1"
    )
    no_id = envelope("sku_not_found", request_id=None)
    assert error_from_response(404, no_id, request_id="hdr").request_id == "hdr"


def test_retryable_defaults_by_status_when_the_body_does_not_say() -> None:
    assert error_from_response(429, None).retryable is True
    assert error_from_response(503, None).retryable is True
    assert error_from_response(409, None).retryable is False


def test_rate_limited_carries_retry_after() -> None:
    exc = error_from_response(429, envelope("rate_limited", retryable=True), retry_after="3")
    assert isinstance(exc, errors.RateLimited)
    assert exc.retry_after == 3.0
    bare = error_from_response(429, None)
    assert isinstance(bare, errors.RateLimited) and bare.retry_after is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 0.5 ", 0.5),
        ("0", 0.0),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_str_names_status_code_message_and_request() -> None:
    text = str(error_from_response(409, envelope("out_of_stock")))
    assert text == "409 out_of_stock: out_of_stock happened (request req_1)"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
envelopes = json_values | st.fixed_dictionaries(
    {"error": st.dictionaries(st.sampled_from(["code", "message", "retryable"]), json_values)}
)


@given(
    status=st.integers(min_value=300, max_value=599),
    body=envelopes,
    retry_after=st.none() | st.text(max_size=12),
)
def test_any_error_response_maps_to_a_status_error(
    status: int, body: Any, retry_after: str | None
) -> None:
    exc = error_from_response(status, body, retry_after=retry_after)

    assert isinstance(exc, errors.SupplierStatusError)
    assert exc.status == status
    assert isinstance(exc.code, str)
    assert isinstance(exc.message, str)
    assert isinstance(exc.retryable, bool)
    # Retries are decided by status: nothing outside 429/5xx may land in a retried class.
    retried = isinstance(exc, errors.RateLimited | errors.SupplierServerError)
    assert retried == (status == 429 or status >= 500)
