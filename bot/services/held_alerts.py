"""Low held stock: admins are alerted once when a SKU's pre-purchased codes fall below its
threshold (HELD_STOCK_ALERT), and again only after it has been back at or above it (an
import refills it). Each SKU's side of the line is kept in the database (`meta`), so a
restart neither repeats nor forgets a crossing, as the balance alert does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime

from bot.services.alerts import AlertKind, queue_alert
from bot.services.held_thresholds import EVERY_SKU
from storage.clock import to_db, utcnow
from storage.database import Database
from storage.repositories import MetaRepository
from storage.repositories.held_codes import HeldStockQueries

log = logging.getLogger(__name__)

STATE_KEY = "held_stock_alert"


class HeldStockMonitor:
    def __init__(
        self,
        db: Database,
        admins: Collection[int],
        thresholds: Mapping[str, int],
        *,
        on_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._admins = frozenset(admins)
        self._thresholds = dict(thresholds)
        self._on_outbox = on_outbox
        self._clock = clock

    def threshold(self, sku: str) -> int | None:
        return self._thresholds.get(sku, self._thresholds.get(EVERY_SKU))

    async def check(self) -> list[str]:
        """One look at every SKU with held codes; returns the SKUs alerted now."""
        if not self._thresholds:
            return []
        now = self._clock()
        alerted: list[str] = []
        async with self._db.transaction() as conn:
            meta = MetaRepository(conn)
            stored = await meta.find_value(STATE_KEY)
            low_before: dict[str, bool] = json.loads(stored) if stored else {}
            low_now = dict(low_before)
            for stock in await HeldStockQueries(conn).stock(now):
                threshold = self.threshold(stock.sku)
                if threshold is None:
                    continue
                low = stock.held < threshold
                low_now[stock.sku] = low
                if low and not low_before.get(stock.sku, False):
                    await queue_alert(
                        conn,
                        self._admins,
                        AlertKind.HELD_STOCK_LOW,
                        stock.sku,
                        now,
                        details={"sku": stock.sku, "held": stock.held, "threshold": threshold},
                        occurrence=to_db(now),
                    )
                    alerted.append(stock.sku)
            if low_now != low_before:
                await meta.set_value(STATE_KEY, json.dumps(low_now, sort_keys=True))
        for sku in alerted:
            log.warning("held stock of %s below its alert threshold", sku)
        if alerted:
            self._on_outbox()
        return alerted
