"""When and how long the supplier client waits before trying a request again."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from supplier.errors import (
    RateLimited,
    SupplierConnectionError,
    SupplierError,
    SupplierServerError,
    SupplierTimeout,
)


def is_retryable(error: SupplierError) -> bool:
    """Connection errors, timeouts, 429 and 5xx; every other answer is final."""
    return isinstance(
        error, SupplierConnectionError | SupplierTimeout | RateLimited | SupplierServerError
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter, honouring the server's `Retry-After`.

    Attempt `n` (0-based) waits a random time between half and all of
    `min(backoff_max, backoff_base * 2**n)`, so clients that failed together do not come
    back together. A `Retry-After` replaces that, capped at `retry_after_max` so a
    misbehaving server cannot park the caller for an hour.
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.retry_after_max < 0:
            raise ValueError("backoff times must not be negative")

    def delay(self, attempt: int, error: SupplierError) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based)."""
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return min(error.retry_after, self.retry_after_max)
        ceiling = min(self.backoff_max, self.backoff_base * 2.0**attempt)
        return random.uniform(ceiling / 2, ceiling)
