"""Operations alerts, raised once per crossing: each supplier's balance below
LOW_BALANCE_ALERT (and back above it), catalog sync failing twice in a row, bad webhook
signatures or supplier errors above a threshold in 5 minutes.

`check()` runs every CHECK_SECONDS (app/composition.py), so an alert is queued within that long
of its crossing and the outbox sends it at once. Each balance's side of the line is kept
in the database, so a restart neither repeats nor forgets a crossing; the other
conditions are counted in this process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import aiohttp

from bot.services.admin_supply import BalanceSource, to_minor
from bot.services.alerts import AlertKind, queue_alert
from bot.services.catalog import CatalogService
from storage.clock import to_db, utcnow
from storage.database import Database
from storage.repositories import MetaRepository
from supplier import models as wire
from supplier.errors import SupplierError
from supplier.router import SupplierRouter

log = logging.getLogger(__name__)

CHECK_SECONDS = 30.0
WINDOW_SECONDS = 300.0
SIGNATURE_FAILURES_THRESHOLD = 5  # bad webhook signatures in WINDOW_SECONDS
SUPPLIER_ERRORS_THRESHOLD = 10  # 5xx, timeouts and connection failures in WINDOW_SECONDS
SYNC_FAILURES_THRESHOLD = 2
BALANCE_STATE_KEY = "ops_balance_alert"
BALANCE_DEADLINE_SECONDS = 10.0


class EventWindow:
    """How many events happened in the last `seconds`."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._events: deque[float] = deque()

    def add(self) -> None:
        self._events.append(self._clock())

    def count(self) -> int:
        cutoff = self._clock() - self._seconds
        while self._events and self._events[0] <= cutoff:
            self._events.popleft()
        return len(self._events)


class OpsCounters:
    """Events counted as they happen, for the monitor to compare with its thresholds.
    Made before the supplier client and the webhook listener, which feed it."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.signature_failures = EventWindow(WINDOW_SECONDS, clock=monotonic)
        self.supplier_errors = EventWindow(WINDOW_SECONDS, clock=monotonic)

    def supplier_trace(self) -> aiohttp.TraceConfig:
        """Counts the supplier's 5xx answers and failed exchanges (timeouts, refused
        connections) on the supplier client's session."""
        trace = aiohttp.TraceConfig()

        async def on_end(_: Any, __: SimpleNamespace, params: Any) -> None:
            if params.response.status >= 500:
                self.supplier_errors.add()

        async def on_exception(_: Any, __: SimpleNamespace, ___: Any) -> None:
            self.supplier_errors.add()

        trace.on_request_end.append(on_end)
        trace.on_request_exception.append(on_exception)
        return trace


class OpsMonitor:
    def __init__(
        self,
        db: Database,
        supplier: BalanceSource,
        catalog: CatalogService,
        counters: OpsCounters,
        admins: Collection[int],
        *,
        low_balance_alert: Decimal,
        signature_threshold: int = SIGNATURE_FAILURES_THRESHOLD,
        supplier_error_threshold: int = SUPPLIER_ERRORS_THRESHOLD,
        on_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._supplier = supplier
        self._catalog = catalog
        self._admins = frozenset(admins)
        self._low_balance_alert = low_balance_alert
        self._on_outbox = on_outbox
        self._clock = clock
        # kind → (threshold, the window counting it)
        self._windows = {
            AlertKind.WEBHOOK_SIGNATURES: (signature_threshold, counters.signature_failures),
            AlertKind.SUPPLIER_ERRORS: (supplier_error_threshold, counters.supplier_errors),
        }
        self._above: set[AlertKind] = set()  # above the threshold at the last check
        self._sync_alerted = False

    async def check(self) -> list[AlertKind]:
        """One pass over every condition; returns the alerts queued."""
        raised = await self._balance()
        raised += await self._sync()
        raised += await self._rates()
        if raised:
            self._on_outbox()
        return raised

    async def _balance(self) -> list[AlertKind]:
        raised: list[AlertKind] = []
        for name, balance in (await self._balances()).items():
            if isinstance(balance, SupplierError):
                # An unanswered look changes nothing: its side of the line stays as it was.
                log.warning("balance check of %s skipped: %s", name, type(balance).__name__)
                continue
            kind = await self._balance_of(name, balance)
            if kind is not None:
                raised.append(kind)
        return raised

    async def _balances(self) -> dict[str | None, wire.Balance | SupplierError]:
        """Each supplier's balance by name, or the one supplier's under None: an order goes
        to one supplier, so each one running dry is news even while another has money."""
        source = self._supplier
        if isinstance(source, SupplierRouter) and len(source.members) > 1:
            # One whose circuit breaker is open is not asked (docs/suppliers.md): its side
            # of the line stays as it was until it answers again.
            now = self._clock()
            members = [m for m in source.members if m.breaker.allows(now)]
            answers = await asyncio.gather(
                *(m.client.get_balance(deadline=BALANCE_DEADLINE_SECONDS) for m in members),
                return_exceptions=True,
            )
            out: dict[str | None, wire.Balance | SupplierError] = {}
            for member, answer in zip(members, answers, strict=True):
                if isinstance(answer, BaseException) and not isinstance(answer, SupplierError):
                    raise answer
                out[member.name] = answer
            return out
        try:
            return {None: await source.get_balance(deadline=BALANCE_DEADLINE_SECONDS)}
        except SupplierError as exc:
            return {None: exc}

    async def _balance_of(self, name: str | None, balance: wire.Balance) -> AlertKind | None:
        """One supplier's side of the line, kept in the database under its own key (the
        lone supplier keeps the key and subject it always had: an upgrade repeats nothing)."""
        currency = balance.available.currency
        threshold = to_minor(self._low_balance_alert, currency)
        low = balance.available.amount < threshold
        now = self._clock()
        key = BALANCE_STATE_KEY if name is None else f"{BALANCE_STATE_KEY}:{name}"
        async with self._db.transaction() as conn:
            meta = MetaRepository(conn)
            stored = await meta.find_value(key)
            state = json.loads(stored) if stored else None
            if state is not None and state["low"] == low:
                return None
            await meta.set_value(key, json.dumps({"low": low, "since": to_db(now)}))
            if state is None and not low:
                return None  # the first look finds it fine: nothing crossed
            kind = AlertKind.LOW_BALANCE if low else AlertKind.BALANCE_RECOVERED
            details: dict[str, object] = {
                "available": balance.available.amount,
                "threshold": threshold,
                "currency": currency,
            }
            if name is not None:
                details["supplier"] = name
            await queue_alert(
                conn,
                self._admins,
                kind,
                "supplier" if name is None else f"supplier:{name}",
                now,
                details=details,
                occurrence=to_db(now),
            )
        log.warning(
            "supplier %s balance %s the alert threshold",
            name or "",
            "below" if low else "back above",
        )
        return kind

    async def _sync(self) -> list[AlertKind]:
        failures = self._catalog.failures_in_a_row
        if failures < SYNC_FAILURES_THRESHOLD:
            self._sync_alerted = False
            return []
        if self._sync_alerted:
            return []
        self._sync_alerted = True
        details = {"failures": failures, "error": self._catalog.last_failure}
        await self._queue(AlertKind.SYNC_FAILING, "catalog", details)
        log.warning("catalog sync failed %d times in a row", failures)
        return [AlertKind.SYNC_FAILING]

    async def _rates(self) -> list[AlertKind]:
        raised = []
        for kind, (threshold, window) in self._windows.items():
            count = window.count()
            if count < threshold:
                self._above.discard(kind)
                continue
            if kind in self._above:
                continue
            self._above.add(kind)
            subject = "webhook" if kind is AlertKind.WEBHOOK_SIGNATURES else "supplier"
            details = {"count": count, "minutes": int(WINDOW_SECONDS // 60)}
            await self._queue(kind, subject, details)
            log.warning("%s: %d in %d s", kind.value, count, int(WINDOW_SECONDS))
            raised.append(kind)
        return raised

    async def _queue(self, kind: AlertKind, subject: str, details: Mapping[str, object]) -> None:
        now = self._clock()
        async with self._db.transaction() as conn:
            await queue_alert(
                conn, self._admins, kind, subject, now, details=details, occurrence=to_db(now)
            )
