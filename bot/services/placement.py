"""Placing a paid order at the suppliers, with failover, one stored attempt at a time.

Each attempt is committed (`supplier_attempts`, status `open`, reference `<order id>-<n>`)
before its POST, so a crash leaves a record of where the order may have gone: the next
pass POSTs that attempt again under the same reference (idempotent) instead of starting
elsewhere. A supplier's final no (out of stock, declined, no balance, over our price)
moves the order on to the next-ranked supplier; an answer that leaves it unclear whether
the supplier took the order (a timeout, a 5xx) is settled by a lookup by reference first,
so no two suppliers ever fulfil one order. The fulfilment service acts on the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from bot.services.alerts import AlertKind, queue_alert
from storage.database import Database
from storage.models import Order
from storage.repositories.supplier_attempts import (
    AttemptStatus,
    SupplierAttempt,
    SupplierAttemptRepository,
)
from supplier.errors import SupplierError, SupplierStatusError
from supplier.models import Money
from supplier.models import Order as SupplierOrder
from supplier.router import Member, SupplierRouter
from supplier.routing import BreakerChange, Refusal, classify

log = logging.getLogger(__name__)

NO_OFFER = "no_supplier_offer"  # failure reason: no supplier had it in stock within price
UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class Placed:
    """The supplier holds the order; `order` is in our terms (our id and SKU)."""

    order: SupplierOrder


@dataclass(frozen=True, slots=True)
class Failed:
    """Every supplier said a final no: nothing was bought anywhere."""

    reason: str


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to decide now (a supplier down, our key refused): the next pass tries again."""


Outcome = Placed | Failed | Wait
_Step = Outcome | str  # a str: this supplier is out (its reason); try the next one


class Placement:
    def __init__(
        self,
        db: Database,
        router: SupplierRouter,
        *,
        admins: Collection[int] = (),
        on_outbox: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self._router = router
        self._admins = frozenset(admins)
        self._on_outbox = on_outbox
        self._clock = clock

    async def place(self, order: Order, ceiling: Money) -> Outcome:
        """Called with the order's lock held, for an order in 'ordering'."""
        async with self._db.read() as conn:
            attempts = await SupplierAttemptRepository(conn).list_for(order.id)
        refused = {a.supplier: a.error or "refused" for a in attempts if a.status == "refused"}
        tried: set[str] = set()
        transient = False
        last = attempts[-1] if attempts else None
        if last is not None and last.status == "open":
            # A POST whose answer we never stored (a crash, or a supplier down): repeat it.
            step = await self._attempt(order, last, ceiling)
            await self._report_breakers()
            if not isinstance(step, str):
                return step
            tried.add(last.supplier)
            transient |= _note(step, last.supplier, refused)
        ranked = await self._router.ranked(
            order.sku, now=self._clock(), ceiling=ceiling.amount, currency=ceiling.currency
        )
        await self._report_breakers()
        # The rest last: out of stock or over our price by their last word, which may be
        # stale; their refusal costs a POST and names the true reason if all say no.
        ranked += [name for name in self._router.names if name not in ranked]
        for name in ranked:
            if name in refused or name in tried:
                continue
            member = self._router.member(name)
            if not member.breaker.allows(self._clock()):
                log.info("supplier %s skipped for order %s: circuit open", name, order.id)
                transient = True
                continue
            async with self._db.transaction() as conn:
                attempt = await SupplierAttemptRepository(conn).start(order.id, name, self._clock())
            log.info("order %s: attempt %d at supplier %s", order.id, attempt.n, name)
            step = await self._attempt(order, attempt, ceiling)
            await self._report_breakers()
            if not isinstance(step, str):
                return step
            tried.add(name)
            transient |= _note(step, name, refused)
        if transient:
            return Wait()
        reason = list(refused.values())[-1] if refused else NO_OFFER
        log.warning("order %s: no supplier can fill it (%s)", order.id, reason)
        return Failed(reason)

    async def _attempt(self, order: Order, attempt: SupplierAttempt, ceiling: Money) -> _Step:
        try:
            member = self._router.member(attempt.supplier)
        except LookupError:
            log.error("order %s: attempt %d names an unconfigured supplier", order.id, attempt.n)
            return Wait()
        try:
            placed = await member.client.create_order(
                member.their_sku(order.sku),
                order.quantity,
                reference=attempt.reference,
                max_unit_price=ceiling,
                player_id=order.player_id,  # top-ups: the account to credit
            )
        except SupplierError as exc:
            return await self._refused(order, member, attempt, exc)
        self._router.record(member, success=True, now=self._clock())
        await self._finish(attempt, "placed")
        return Placed(in_our_terms(member, placed, order.id))

    async def _refused(
        self, order: Order, member: Member, attempt: SupplierAttempt, exc: SupplierError
    ) -> _Step:
        kind = classify(exc)
        code = exc.code if isinstance(exc, SupplierStatusError) else type(exc).__name__
        log.warning(
            "order %s: supplier %s answered %s (%s)", order.id, member.name, code, kind.value
        )
        if kind is Refusal.WAIT:
            return Wait()
        if kind in (Refusal.NEXT, Refusal.FINAL):
            self._router.record(member, success=True, now=self._clock())  # it answered: up
            await self._finish(attempt, "refused", code)
            return Failed(code) if kind is Refusal.FINAL else code
        self._router.record(member, success=False, now=self._clock())
        if kind is Refusal.UNSURE:
            try:
                found = await member.client.find_order_by_reference(attempt.reference)
            except SupplierError as lookup:
                log.warning(
                    "order %s: supplier %s unsure and not looked up (%s); will retry",
                    order.id,
                    member.name,
                    type(lookup).__name__,
                )
                return Wait()  # the attempt stays open: retried under its reference
            if found is not None:
                await self._finish(attempt, "placed")
                return Placed(in_our_terms(member, found, order.id))
        await self._finish(attempt, "unreachable", code)
        return UNREACHABLE

    async def _finish(
        self, attempt: SupplierAttempt, status: AttemptStatus, error: str | None = None
    ) -> None:
        async with self._db.transaction() as conn:
            await SupplierAttemptRepository(conn).finish(
                attempt.order_id,
                attempt.n,
                status,
                self._clock(),
                error,
            )

    async def report_breakers(self) -> None:
        """Alerts for breaker changes seen by reads since the last placement (a timer)."""
        await self._report_breakers()

    async def _report_breakers(self) -> None:
        """Alert the admins of each breaker that opened or closed, once each."""
        changes = self._router.drain_changes()
        if not changes:
            return
        now = self._clock()
        queued = False
        async with self._db.transaction() as conn:
            for name, change in changes:
                breaker = self._router.member(name).breaker
                opened = change is BreakerChange.OPENED
                queued |= await queue_alert(
                    conn,
                    self._admins,
                    AlertKind.SUPPLIER_SKIPPED if opened else AlertKind.SUPPLIER_BACK,
                    name,
                    now,
                    details={
                        "failures": breaker.threshold,
                        "seconds": int(breaker.cool_down.total_seconds()),
                    },
                    occurrence=now.isoformat(),
                )
        if queued:
            self._on_outbox()


def _note(step: str, supplier: str, refused: dict[str, str]) -> bool:
    """Record a supplier's no; True if it was only unreachable (worth a try later)."""
    if step == UNREACHABLE:
        return True
    refused[supplier] = step
    return False


def in_our_terms(member: Member, supplier_order: SupplierOrder, order_id: str) -> SupplierOrder:
    """The supplier's order as ours: our SKU, and our order id where it has the attempt's
    reference (the state machine compares both against our order)."""
    return supplier_order.model_copy(
        update={"reference": order_id, "sku": member.our_sku(supplier_order.sku)}
    )
