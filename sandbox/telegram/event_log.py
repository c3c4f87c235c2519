"""The numbered history behind `GET /sandbox/events`, and the streams that follow it.

Cheap at any number of open streams: an event is pushed only to the subscriptions of its
chat (and to those that follow every chat), so a stream wakes only for what it will send;
a replay (`since`) reads a chat's own index from its newest end, so it costs what it returns.
Memory is bounded: the log keeps the last `keep` events, and a subscription that falls
`keep` events behind is closed (its client resumes with `since`, as after any disconnect).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

JSON = dict[str, Any]


class Event:
    """One published event; its Server-Sent Events frame is encoded once, when first sent."""

    __slots__ = ("_frame", "bot_id", "chat_id", "data", "seq")

    def __init__(self, data: JSON) -> None:
        self.data = data
        self.seq: int = data["seq"]
        self.chat_id: int = data["chat_id"]
        self.bot_id: int = data["bot_id"]
        self._frame: bytes | None = None

    def frame(self) -> bytes:
        if self._frame is None:
            line = json.dumps(self.data, ensure_ascii=False)
            self._frame = f"id: {self.seq}\ndata: {line}\n\n".encode()
        return self._frame


class Subscription:
    """One open stream's events: pushed by the log, taken in batches by the stream."""

    def __init__(self, chat_id: int | None, bot_id: int | None, limit: int) -> None:
        self.chat_id = chat_id
        self.bot_id = bot_id
        self.limit = limit
        self.pending: deque[Event] = deque()
        self.closed = False
        self._wake = asyncio.Event()

    def offer(self, event: Event) -> None:
        if self.closed or (self.bot_id is not None and event.bot_id != self.bot_id):
            return
        if len(self.pending) >= self.limit:
            # A reader this far behind resumes from the log with `since` instead.
            self.close()
            return
        self.pending.append(event)
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def next_batch(self, within: float) -> list[Event] | None:
        """The events pushed since the last batch; [] once closed; None after `within` idle."""
        if not self.pending and not self.closed:
            self._wake.clear()
            try:
                async with asyncio.timeout(within):
                    await self._wake.wait()
            except TimeoutError:
                return None
        batch = list(self.pending)
        self.pending.clear()
        return batch


class EventLog:
    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.seq = 0
        self.events: deque[Event] = deque()
        # Each chat's events, oldest first: a replay for one chat reads only its own.
        self._by_chat: dict[int, deque[Event]] = {}
        self._chat_subscribers: dict[int, set[Subscription]] = {}
        self._all_subscribers: set[Subscription] = set()

    def publish(self, kind: str, chat_id: int, bot_id: int, **fields: Any) -> None:
        self.seq += 1
        event = Event(
            {"seq": self.seq, "type": kind, "chat_id": chat_id, "bot_id": bot_id, **fields}
        )
        self.events.append(event)
        self._by_chat.setdefault(chat_id, deque()).append(event)
        if len(self.events) > self.keep:
            self._forget_oldest()
        for subscription in self._chat_subscribers.get(chat_id, ()):
            subscription.offer(event)
        for subscription in self._all_subscribers:
            subscription.offer(event)

    def _forget_oldest(self) -> None:
        oldest = self.events.popleft()
        chat_events = self._by_chat[oldest.chat_id]
        chat_events.popleft()  # the log's oldest event is also its chat's oldest
        if not chat_events:
            del self._by_chat[oldest.chat_id]

    def after(self, seq: int, chat_id: int | None, bot_id: int | None = None) -> list[Event]:
        """The kept events with a higher seq than `seq`, oldest first, read from the newest end."""
        source = self.events if chat_id is None else self._by_chat.get(chat_id, ())
        found: list[Event] = []
        for event in reversed(source):
            if event.seq <= seq:
                break
            if bot_id is None or event.bot_id == bot_id:
                found.append(event)
        found.reverse()
        return found

    def subscribe(
        self, chat_id: int | None, bot_id: int | None, since: int | None = None
    ) -> Subscription:
        """A subscription to what comes next; with `since`, the kept events after it first."""
        subscription = Subscription(chat_id, bot_id, self.keep)
        if since is not None:
            subscription.pending.extend(self.after(since, chat_id, bot_id))
        if chat_id is None:
            self._all_subscribers.add(subscription)
        else:
            self._chat_subscribers.setdefault(chat_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.close()
        if subscription.chat_id is None:
            self._all_subscribers.discard(subscription)
            return
        chat = self._chat_subscribers.get(subscription.chat_id)
        if chat is not None:
            chat.discard(subscription)
            if not chat:
                del self._chat_subscribers[subscription.chat_id]

    def clear(self) -> None:
        """Forget the history (a sandbox reset); seqs keep counting, streams stay open."""
        self.events.clear()
        self._by_chat.clear()

    def close_all(self) -> None:
        """End every stream at once (shutdown)."""
        for subscription in list(self._all_subscribers):
            subscription.close()
        for subscriptions in self._chat_subscribers.values():
            for subscription in subscriptions:
                subscription.close()
