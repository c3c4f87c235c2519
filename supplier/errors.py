"""The supplier client's error tree, mapped from HTTP responses in one place.

Callers catch the narrowest class they can act on (`OutOfStock`, `PriceChanged`...) and
`SupplierError` for everything else. Codes the client does not know yet (a newer server)
still map to the right family by HTTP status, so a `409` with a new code is a `Conflict`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from supplier.models import ERROR_CODES


class SupplierError(Exception):
    """Root of every error raised by the supplier client."""


class SupplierConnectionError(SupplierError):
    """The supplier could not be reached, or the connection broke mid-request."""

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        # False only when no connection was ever made, so the supplier cannot have acted.
        self.request_sent = request_sent


class SupplierTimeout(SupplierError):
    """No answer within the request timeout or the caller's deadline."""


class SupplierResponseError(SupplierError):
    """A response the client cannot read: not JSON, or not the contract's shape."""


class SupplierStatusError(SupplierError):
    """The supplier answered with an error status and (usually) an error envelope."""

    default_code: ClassVar[str] = "unknown"

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str = "",
        request_id: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.status = status
        # An unknown code from a newer server is kept verbatim; the class says its family.
        self.code: str = code or self.default_code
        self.message = message
        self.request_id = request_id
        self._retryable = retryable
        super().__init__(status, self.code, message)

    @property
    def retryable(self) -> bool:
        """Whether asking again later may succeed: the supplier's own `retryable` flag when
        its body said, else the client's one rule, `supplier.retry.should_retry`."""
        if self._retryable is not None:
            return self._retryable
        # Imported here because supplier.retry imports this module.
        from supplier.retry import Verdict, should_retry

        return should_retry(self) is not Verdict.FINAL

    def __str__(self) -> str:
        text = f"{self.status} {self.code}"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" (request {self.request_id})"
        return text


class InvalidRequest(SupplierStatusError):
    default_code = "invalid_request"


class Unauthorized(SupplierStatusError):
    default_code = "unauthorized"


class InsufficientBalance(SupplierStatusError):
    default_code = "insufficient_balance"


class NotFound(SupplierStatusError):
    """Any 404; the subclasses say what was not found."""

    default_code = "not_found"


class SkuNotFound(NotFound):
    default_code = "sku_not_found"


class OrderNotFound(NotFound):
    default_code = "order_not_found"


class Conflict(SupplierStatusError):
    """Any 409: the request is valid but the supplier's state refuses it."""

    default_code = "conflict"


class OutOfStock(Conflict):
    default_code = "out_of_stock"


class PriceChanged(Conflict):
    default_code = "price_changed"


class IdempotencyConflict(Conflict):
    default_code = "idempotency_conflict"


class Unprocessable(SupplierStatusError):
    """Any 422: the supplier will not do this order."""

    default_code = "unprocessable"


class QuantityLimit(Unprocessable):
    default_code = "quantity_limit"


class OrderDeclined(Unprocessable):
    default_code = "order_declined"


class InvalidPlayerId(Unprocessable):
    """Top-ups: the supplier knows no such player for this product."""

    default_code = "invalid_player_id"


class RegionMismatch(Unprocessable):
    """Top-ups: the player exists, but their account's region cannot receive this product."""

    default_code = "region_mismatch"


class RateLimited(SupplierStatusError):
    default_code = "rate_limited"

    def __init__(
        self,
        status: int = 429,
        code: str | None = None,
        message: str = "",
        request_id: str | None = None,
        retryable: bool | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, message, request_id, retryable)
        self.retry_after = retry_after


class SupplierServerError(SupplierStatusError):
    """Any 5xx; worth retrying, and for a POST the outcome is unknown."""

    default_code = "internal_error"


class UpstreamUnavailable(SupplierServerError):
    default_code = "upstream_unavailable"


_BY_CODE: dict[str, type[SupplierStatusError]] = {
    cls.default_code: cls
    for cls in (
        InvalidRequest,
        Unauthorized,
        InsufficientBalance,
        SkuNotFound,
        OrderNotFound,
        OutOfStock,
        PriceChanged,
        IdempotencyConflict,
        QuantityLimit,
        OrderDeclined,
        InvalidPlayerId,
        RegionMismatch,
        RateLimited,
        SupplierServerError,
        UpstreamUnavailable,
    )
}

_BY_STATUS: dict[int, type[SupplierStatusError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    402: InsufficientBalance,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
    429: RateLimited,
    503: UpstreamUnavailable,
}


def _class_for(status: int, code: str | None) -> type[SupplierStatusError]:
    cls = _BY_CODE.get(code) if code else None
    if cls is not None:
        expected, _ = ERROR_CODES[cls.default_code]
        # A known code under another status (a proxy in between rewrote one of them) is
        # not trusted, except 5xx for 5xx: the status decides what may be retried.
        if status == expected or (status >= 500 and expected >= 500):
            return cls
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return SupplierServerError
    return SupplierStatusError


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header; the HTTP-date form is not used by the API."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


_T = TypeVar("_T")


def _field(error: Mapping[str, Any], name: str, kind: type[_T]) -> _T | None:
    value = error.get(name)
    return value if isinstance(value, kind) else None


def error_from_response(
    status: int,
    envelope: Any,
    *,
    request_id: str | None = None,
    retry_after: str | None = None,
) -> SupplierStatusError:
    """Build the exception for an error response.

    `envelope` is the decoded JSON body, or anything else (None, an HTML page's text) when
    the body was not the contract's error envelope; `request_id` and `retry_after` are the
    raw `X-Request-Id` and `Retry-After` headers.
    """
    error = envelope.get("error") if isinstance(envelope, Mapping) else None
    if not isinstance(error, Mapping):
        error = {}
    code = _field(error, "code", str)
    request_id = _field(error, "request_id", str) or request_id
    cls = _class_for(status, code)
    message = _field(error, "message", str) or ""
    retryable = _field(error, "retryable", bool)
    if issubclass(cls, RateLimited):
        return cls(
            status, code, message, request_id, retryable, retry_after=parse_retry_after(retry_after)
        )
    return cls(status, code, message, request_id, retryable)
