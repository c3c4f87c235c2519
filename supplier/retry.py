"""The supplier client's one retry rule: whether, how and how long to wait before trying again.

`should_retry` is the only place that decides whether a failure is worth another try
(like openai-python's `_should_retry`); `RetryPolicy` says how often and how long to wait;
`Transport.request` is the only loop that applies both.
"""

from __future__ import annotations

import asyncio
import enum
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


class Verdict(enum.Enum):
    """What to do after a failed attempt."""

    FINAL = "final"  # the answer will not change: raise it
    RETRY = "retry"  # nothing was done, or doing it twice is harmless: send again
    LOOKUP = "lookup"  # the supplier may have acted: find the result before sending again


def should_retry(error: SupplierError, *, idempotent: bool = True) -> Verdict:
    """The decision table for a failed request.

    | failure                                  | idempotent | POST that creates |
    |------------------------------------------|------------|-------------------|
    | connection refused (nothing was sent)    | RETRY      | RETRY             |
    | connection broken after sending, timeout | RETRY      | LOOKUP            |
    | 429 (any code; `Retry-After` sets delay) | RETRY      | RETRY             |
    | 5xx (any code)                           | RETRY      | LOOKUP            |
    | other 4xx, unreadable response           | FINAL      | FINAL             |

    `idempotent` is False only for a POST that creates something (an order): a repeat
    with the same reference is answered with the first order by a correct supplier, but
    the client looks it up first, so a supplier that got that wrong still cannot charge
    twice. A 429 is refused before any work, so it never needs a lookup.

    The error class, not the envelope's `retryable` flag, decides: `errors.py` picks the
    class from the status, and a code only narrows it within its status family, so a
    proxy's rewritten body cannot make a 400 retried or a 503 final.
    """
    if isinstance(error, SupplierConnectionError) and not error.request_sent:
        return Verdict.RETRY
    if isinstance(error, RateLimited):
        return Verdict.RETRY
    if isinstance(error, SupplierConnectionError | SupplierTimeout | SupplierServerError):
        return Verdict.RETRY if idempotent else Verdict.LOOKUP
    return Verdict.FINAL


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
