"""Per-user token bucket: excess updates are dropped with a friendly word, not queued."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.i18n import match_locale, translator

WARN_INTERVAL_SECONDS = 5.0
_MAX_TRACKED = 10_000  # beyond this, forget users whose buckets have refilled


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    warned: float = float("-inf")


class ThrottlingMiddleware(BaseMiddleware):
    """Outer middleware for messages and callback queries. Payments are never throttled:
    a successful_payment message passes through whatever the bucket says."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        locales: tuple[str, ...],
        default_locale: str,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        # Room for a quick run of taps through the menus; a flood still runs dry at once.
        self._burst = burst if burst is not None else max(5.0, 3 * rate)
        self._locales = locales
        self._default_locale = default_locale
        self._monotonic = monotonic
        self._buckets: dict[int, _Bucket] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or (isinstance(event, Message) and event.successful_payment):
            return await handler(event, data)
        now = self._monotonic()
        bucket = self._refill(user.id, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return await handler(event, data)
        locale = match_locale(user.language_code, self._locales) or self._default_locale
        text = "🐢 " + translator(locale).gettext("Slow down a little, please.")
        if isinstance(event, CallbackQuery):
            await event.answer(text)
        elif isinstance(event, Message) and now - bucket.warned >= WARN_INTERVAL_SECONDS:
            bucket.warned = now
            await event.answer(text)
        return None

    def _refill(self, user_id: int, now: float) -> _Bucket:
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= _MAX_TRACKED:
                self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(tokens=self._burst, updated=now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self._burst, bucket.tokens + elapsed * self._rate)
            bucket.updated = now
        return bucket

    def _forget_idle(self, now: float) -> None:
        full_after = self._burst / self._rate
        for user_id in [u for u, b in self._buckets.items() if now - b.updated >= full_after]:
            del self._buckets[user_id]
