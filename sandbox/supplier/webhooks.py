"""Outgoing webhooks: Standard Webhooks signatures and the supplier's retry schedule."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import aiohttp
from standardwebhooks import Webhook

from sandbox.supplier.config import generate_webhook_secret
from supplier.models import Order, WebhookDelivery, WebhookEvent, WebhookEventData, WebhookEventType

logger = logging.getLogger(__name__)

# Seconds before each retry after a failed attempt; then the event is given up.
RETRY_SCHEDULE: Final[tuple[float, ...]] = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER: Final = 0.1


@dataclass(frozen=True, slots=True)
class Outgoing:
    event_id: str
    event: WebhookEvent
    body: str


def build_event(order: Order, type_: WebhookEventType, at: datetime) -> Outgoing:
    data = WebhookEventData(
        order_id=order.order_id,
        reference=order.reference,
        status=order.status,
        version=order.version,
    )
    event = WebhookEvent(type=type_, timestamp=at, data=data)
    return Outgoing(f"msg_{uuid.uuid4().hex}", event, event.model_dump_json())


class WebhookDispatcher:
    """Delivers events in background tasks and records every attempt."""

    def __init__(
        self,
        url: str | None,
        secret: str,
        *,
        time_scale: float,
        timeout: float,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self.url = url
        self._signer = Webhook(secret)
        # A valid-looking secret that the receiver does not know: a bad signature.
        self._wrong_signer = Webhook(generate_webhook_secret().get_secret_value())
        self._time_scale = time_scale
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock
        self._rng = rng
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.deliveries: list[WebhookDelivery] = []
        self.changed = asyncio.Condition()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def reset(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.deliveries.clear()

    def send(self, events: Sequence[Outgoing], *, chaos: bool = False) -> None:
        """Deliver each event (with retries); `chaos` reorders, repeats and mis-signs them."""
        if self.url is None or not events:
            return
        self._spawn(self._chaos(events) if chaos else self._in_order(events))

    async def wait_for(self, predicate: Callable[[list[WebhookDelivery]], bool]) -> None:
        """Return once the recorded attempts satisfy `predicate` (tests bound it by a timeout)."""
        async with self.changed:
            await self.changed.wait_for(lambda: predicate(self.deliveries))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _in_order(self, events: Sequence[Outgoing]) -> None:
        # First attempts go out in order; a failed event retries on its own schedule
        # without holding back the events after it.
        for outgoing in events:
            if not await self._attempt(outgoing, 1):
                self._spawn(self._retry(outgoing))

    async def _chaos(self, events: Sequence[Outgoing]) -> None:
        newest_first = list(reversed(events))
        await self._attempt(newest_first[0], 1, wrong_signature=True)
        for outgoing in [*newest_first, *events]:
            await self._with_retries(outgoing)

    async def _with_retries(self, outgoing: Outgoing) -> None:
        if not await self._attempt(outgoing, 1):
            await self._retry(outgoing)

    async def _retry(self, outgoing: Outgoing) -> None:
        """Attempts 2.. after the first failed, on the (time-scaled, jittered) schedule."""
        for attempt, delay in enumerate(RETRY_SCHEDULE, start=2):
            jittered = delay * (1 + self._rng.uniform(-JITTER, JITTER))
            await asyncio.sleep(jittered / self._time_scale)
            if await self._attempt(outgoing, attempt):
                return
        logger.warning(
            "webhook %s given up after %d attempts", outgoing.event_id, len(RETRY_SCHEDULE) + 1
        )

    async def _attempt(
        self, outgoing: Outgoing, attempt: int, *, wrong_signature: bool = False
    ) -> bool:
        assert self._session is not None and self.url is not None
        now = self._clock()
        signer = self._wrong_signer if wrong_signature else self._signer
        headers = {
            "content-type": "application/json",
            "webhook-id": outgoing.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(outgoing.event_id, now, outgoing.body),
        }
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(self.url, data=outgoing.body, headers=headers) as resp:
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = type(exc).__name__
        await self._record(
            WebhookDelivery(
                event_id=outgoing.event_id,
                type=outgoing.event.type,
                url=self.url,
                attempt=attempt,
                status_code=status,
                error=error,
                signature_valid=not wrong_signature,
                occurred_at=now,
            )
        )
        return status is not None and 200 <= status < 300

    async def _record(self, delivery: WebhookDelivery) -> None:
        async with self.changed:
            self.deliveries.append(delivery)
            self.changed.notify_all()
