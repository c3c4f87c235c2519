"""A bot's pending updates: numbered, kept in order until confirmed, for at most a day.

Telegram holds the updates of a bot that does not fetch them (offline, or never started yet)
for 24 hours; an older one is dropped unseen. The queue applies that on every read.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from typing import Any

JSON = dict[str, Any]
# How long Telegram keeps an update nobody fetched.
UPDATE_TTL = 24 * 3600.0
# Update ids count on from a millisecond clock (since late 2023), so that those of a new
# sandbox run are above any of an earlier run's: a bot that kept polling across a sandbox
# restart sends its old offset, which must not confirm the new run's updates away unseen
# (nor may a bot's "update already seen" check mistake them for old ones). Telegram's ids,
# too, only ever grow for a bot.
UPDATE_ID_EPOCH_MS = 1_700_000_000_000


def update_ids() -> itertools.count[int]:
    return itertools.count(int(time.time() * 1000) - UPDATE_ID_EPOCH_MS)


def _now() -> float:
    """Monotonic seconds; a module function so that a test can move time forward."""
    return time.monotonic()


class UpdateQueue:
    """Undelivered updates, oldest first, each with the time it was queued."""

    def __init__(self, ttl: float = UPDATE_TTL) -> None:
        self.ttl = ttl
        self._items: deque[tuple[float, JSON]] = deque()

    def append(self, update: JSON) -> None:
        self._expire()
        self._items.append((_now(), update))

    def first(self) -> JSON | None:
        self._expire()
        return self._items[0][1] if self._items else None

    def take(self, limit: int) -> list[JSON]:
        """Up to `limit` of the oldest updates, left queued until confirmed."""
        self._expire()
        return [update for _, update in itertools.islice(self._items, limit)]

    def drop_first(self, update: JSON) -> None:
        """Forget `update` if it still heads the queue (a webhook delivered it)."""
        if self._items and self._items[0][1] is update:
            self._items.popleft()

    def confirm(self, offset: int) -> None:
        """getUpdates' `offset`: forget updates below it; a negative one keeps the last -offset."""
        items = self._items
        if offset < 0:
            while len(items) > -offset:
                items.popleft()
            return
        while items and items[0][1]["update_id"] < offset:
            items.popleft()

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        self._expire()
        return len(self._items)

    def _expire(self) -> None:
        oldest = _now() - self.ttl
        items = self._items
        while items and items[0][0] < oldest:
            items.popleft()


class Signal:
    """Wakes whoever waits for a bot's updates (its long poll, its webhook delivery) on `fire`;
    they re-check the queue afterwards. One per bot: another bot's updates wake nobody here."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, within: float) -> bool:
        event = self._event
        try:
            async with asyncio.timeout(within):
                await event.wait()
        except TimeoutError:
            return False
        return True
