"""One async read shared by every caller for a few seconds: a rush of shoppers costs one
supplier call per window, not one each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class RecentValue(Generic[T]):
    """The last value `read` returned, for `ttl` seconds. Callers arriving while a read is
    in flight wait for that read; a failed read is not kept (the next caller reads again)."""

    def __init__(
        self,
        read: Callable[[], Awaitable[T]],
        ttl: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._ttl = ttl
        self._monotonic = monotonic
        self._value: tuple[float, T] | None = None
        self._inflight: asyncio.Future[T] | None = None

    async def get(self) -> T:
        if self._value is not None and self._monotonic() - self._value[0] < self._ttl:
            return self._value[1]
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(self._refresh())
        # shield: one caller giving up (its own timeout) must not cancel the others' read.
        return await asyncio.shield(self._inflight)

    async def _refresh(self) -> T:
        began = self._monotonic()
        try:
            value = await self._read()
        finally:
            self._inflight = None
        self._value = (began, value)
        return value
