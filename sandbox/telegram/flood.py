"""Telegram's flood control (429 with retry_after) and injected faults for resilience tests."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.telegram.errors import ApiError, too_many_requests

if TYPE_CHECKING:
    from sandbox.telegram.config import RateLimit, TelegramSandboxConfig

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests: retry after 1",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class _Bucket:
    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self.tokens = float(limit.burst)
        self.stamp = time.monotonic()

    def peek(self) -> float:
        """Seconds until a send is allowed; 0 when one is allowed now."""
        now = time.monotonic()
        self.tokens = min(
            float(self.limit.burst), self.tokens + (now - self.stamp) * self.limit.rate
        )
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.limit.rate

    def take(self) -> None:
        self.tokens -= 1


class FloodControl:
    """Per-chat and global token buckets per bot, as Telegram limits message sending."""

    def __init__(self, config: TelegramSandboxConfig) -> None:
        self.config = config
        self._buckets: dict[tuple[int, int | None], _Bucket] = {}

    def check(self, bot_id: int, chat_id: int) -> None:
        if not self.config.flood_limit:
            return
        chat = self._bucket((bot_id, chat_id), self.config.per_chat_limit)
        overall = self._bucket((bot_id, None), self.config.global_limit)
        wait = max(chat.peek(), overall.peek())
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        chat.take()
        overall.take()

    def reset(self) -> None:
        self._buckets.clear()

    def _bucket(self, key: tuple[int, int | None], limit: RateLimit) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.limit != limit:
            bucket = self._buckets[key] = _Bucket(limit)
        return bucket


@dataclass
class Fault:
    status: int
    description: str
    remaining: int
    retry_after: int | None


class FaultInjector:
    """`POST /sandbox/faults`: the next N calls of a method fail with a chosen status."""

    def __init__(self) -> None:
        self._faults: dict[str, deque[Fault]] = {}

    def add(
        self,
        method: str,
        count: int,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        if status == 429 and retry_after is None:
            retry_after = 1
        text = description or (
            f"Too Many Requests: retry after {retry_after}"
            if status == 429
            else _DEFAULT_DESCRIPTIONS.get(status, "Internal Server Error")
        )
        fault = Fault(status, text, count, retry_after if status == 429 else None)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def pending(self) -> dict[str, int]:
        return {m: sum(f.remaining for f in q) for m, q in self._faults.items() if q}

    def check(self, method: str) -> None:
        queue = self._faults.get(method.lower())
        if not queue:
            return
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    def clear(self) -> None:
        self._faults.clear()
