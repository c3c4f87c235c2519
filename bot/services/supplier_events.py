"""Supplier webhooks after verification: record once per supplier and webhook-id, judge,
then act.

One write transaction per event when it brings nothing new (the usual case: the order
POST already returned what the webhook announces); the rest is handled after the
response: news is fetched and applied, and news of a superseded attempt is checked for a
late fulfilment."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.logs import bind_order
from bot.services.fulfilment import FulfilmentService
from bot.services.supplier_news import News, judge
from storage.clock import utcnow
from storage.database import Database
from storage.repositories import SupplierEventRepository
from supplier.errors import SupplierError
from supplier.models import WebhookEvent

log = logging.getLogger(__name__)


class SupplierEvents:
    def __init__(
        self,
        db: Database,
        fulfilment: FulfilmentService,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._fulfilment = fulfilment
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, event_id: str, event: WebhookEvent, *, supplier: str) -> bool:
        """Store the event; False if this supplier's webhook-id was handled before (a
        replay). `supplier`: whose webhook it was (its secret verified it); webhook-ids are
        each sender's own, so another supplier's `msg_1` is another event."""
        data = event.data
        now = self._clock()
        async with self._db.transaction() as conn:
            events = SupplierEventRepository(conn)
            is_new = await events.record_event(
                supplier=supplier,
                event_id=event_id,
                event_type=event.type,
                supplier_order_id=data.order_id,
                reference=data.reference,
                order_version=data.version,
                now=now,
            )
            # Most events repeat what the POST or a poll already told us: settled here, in
            # the transaction that records them, with no fetch and no task.
            news = (
                (await judge(conn, data.reference, data.order_id, data.version, supplier)).news
                if is_new
                else None
            )
            settled = news in (News.UNKNOWN, News.STALE)
            if settled:
                await events.mark_processed(supplier, event_id, now)
        if news is News.UNKNOWN:
            log.warning("supplier event %s for %s: %s", event_id, data.reference, news.value)
        if is_new and not settled:
            # The supplier wants its 2xx fast; the work happens after the response.
            task = asyncio.create_task(self._process(event_id, event, supplier))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return is_new

    async def _process(self, event_id: str, event: WebhookEvent, supplier: str) -> None:
        # The reference is our order's attempt: every line of this work names it.
        with bind_order(event.data.reference):
            await self._apply(event_id, event, supplier)

    async def _apply(self, event_id: str, event: WebhookEvent, supplier: str) -> None:
        try:
            await self._fulfilment.on_supplier_update(
                event.data.reference, event.data.order_id, event.data.version, supplier=supplier
            )
        except SupplierError as exc:
            # Left unprocessed; the recovery pass polls the order anyway.
            log.warning("event %s: supplier order not fetched (%s)", event_id, exc)
            return
        except Exception:
            log.exception("event %s could not be applied", event_id)
            return
        async with self._db.transaction() as conn:
            await SupplierEventRepository(conn).mark_processed(supplier, event_id, self._clock())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
