"""A fixed one-minute window per API key, reported in the X-RateLimit-* headers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

WINDOW_SECONDS: Final = 60.0
# With limiting off the headers still appear (every response carries them), with this
# nominal limit that no realistic client reaches.
NOMINAL_LIMIT: Final = 1_000_000


@dataclass(frozen=True, slots=True)
class RateInfo:
    limit: int
    remaining: int
    reset_seconds: int
    allowed: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute or NOMINAL_LIMIT
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def _window(self, key: str) -> tuple[float, int]:
        now = self._clock()
        started, used = self._windows.get(key, (now, 0))
        if now - started >= WINDOW_SECONDS:
            started, used = now, 0
        return started, used

    def _info(self, started: float, used: int, allowed: bool) -> RateInfo:
        reset = math.ceil(max(0.0, started + WINDOW_SECONDS - self._clock()))
        return RateInfo(self._limit, max(0, self._limit - used), reset, allowed)

    def peek(self, key: str) -> RateInfo:
        return self._info(*self._window(key), allowed=True)

    def hit(self, key: str) -> RateInfo:
        started, used = self._window(key)
        if used >= self._limit:
            return self._info(started, used, allowed=False)
        self._windows[key] = (started, used + 1)
        return self._info(started, used + 1, allowed=True)
