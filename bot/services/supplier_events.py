"""Supplier webhooks after verification: record once per supplier and webhook-id, then act."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.logs import bind_order
from bot.services.fulfilment import FulfilmentService
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
        async with self._db.transaction() as conn:
            is_new = await SupplierEventRepository(conn).record_event(
                supplier=supplier,
                event_id=event_id,
                event_type=event.type,
                supplier_order_id=event.data.order_id,
                reference=event.data.reference,
                order_version=event.data.version,
                now=self._clock(),
            )
        if is_new:
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
