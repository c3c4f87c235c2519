"""The running sandbox: books, webhooks, scheduled order transitions and persistence."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from functools import partial
from typing import Final

from aiohttp import web

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.orders import place_order, refund, settle
from sandbox.supplier.persistence import SnapshotWriter, load_snapshot
from sandbox.supplier.state import Outcome, Placement, SandboxState
from sandbox.supplier.topups import FAIL_LATER_PLAYER
from sandbox.supplier.webhooks import Outgoing, WebhookDispatcher, build_event
from supplier.models import Order, OrderRequest, WebhookEventType

logger = logging.getLogger(__name__)

CHAOS = "test-webhook-chaos"
# Pending first; its events are held back and delivered in chaos once it completes, so
# a newer event meets a pending order and the older one comes after it.
CHAOS_PENDING = "test-webhook-chaos-pending"

_SETTLE_EVENTS: dict[str, WebhookEventType] = {
    "completed": "order.fulfilled",
    "partial": "order.fulfilled",
    "failed": "order.failed",
}


class SandboxService:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState(
            starting_balance=config.starting_balance,
            seed=config.seed,
            pending_probability=config.pending_probability,
            failure_probability=config.failure_probability,
            price_factor=config.price_factor,
        )
        self.rng = random.Random(config.seed)
        self.webhooks = WebhookDispatcher(
            config.webhook_url,
            config.webhook_secret.get_secret_value(),
            time_scale=config.webhook_time_scale,
            timeout=config.webhook_timeout_seconds,
            clock=self.state.clock,
            rng=self.rng,
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._calls_429 = 0
        self._writer: SnapshotWriter | None = None

    async def start(self) -> None:
        path = self.config.state_file
        if path is not None:
            snapshot = load_snapshot(path)
            if snapshot is not None:
                self.state.restore(snapshot)
                logger.info("sandbox state restored from %s", path)
            self._writer = SnapshotWriter(path, self.state.snapshot)
        await self.webhooks.start()  # after loading: a bad state file leaves nothing open
        for order in self.state.orders.values():
            if order.status == "pending":  # interrupted by a restart: finish it now
                fails = order.sku == "test-fail" or order.player_id == FAIL_LATER_PLAYER
                outcome = Outcome.FAIL if fails else Outcome.COMPLETE
                self._settle_later(order, outcome)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.webhooks.close()
        if self._writer is not None:
            await self._writer.close()

    def changed(self) -> None:
        if self._writer is not None:
            self._writer.mark()

    def reset(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.webhooks.reset()
        self.state.reset()
        self._calls_429 = 0
        self.changed()

    def throttle_429(self) -> bool:
        """test-429: every other call (the first, third, ...) is refused."""
        self._calls_429 += 1
        return self._calls_429 % 2 == 1

    def place_order(self, request: OrderRequest) -> Placement:
        placement = place_order(self.state, request)
        if not placement.created:
            return placement
        self.changed()
        order = placement.order
        chaos = order.sku == CHAOS
        created = self._event(order, "order.created")
        if placement.deferred:
            if order.sku != CHAOS_PENDING:
                self._send([created])
            self._settle_later(order, placement.outcome)
            return placement
        order = settle(self.state, order.order_id, placement.outcome)
        self._send([created, self._event(order, _SETTLE_EVENTS[order.status])], chaos=chaos)
        if order.sku == "test-refund-later":
            self._later(self.config.refund_later_seconds, partial(self._refund, order))
        return Placement(order, created=True, outcome=placement.outcome)

    def _event(self, order: Order, type_: WebhookEventType) -> Outgoing:
        return build_event(order, type_, self.state.clock())

    def _send(self, events: list[Outgoing], *, chaos: bool = False) -> None:
        self.webhooks.send(events, chaos=chaos)

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay)
            action()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _settle_later(self, order: Order, outcome: Outcome) -> None:
        self._later(self.config.pending_delay_seconds, partial(self._settle, order, outcome))

    def _settle(self, order: Order, outcome: Outcome) -> None:
        settled = settle(self.state, order.order_id, outcome)
        if settled.version != order.version:
            self.changed()
            events = [self._event(settled, _SETTLE_EVENTS[settled.status])]
            if order.sku == CHAOS_PENDING:
                # `order` is the pending one (version 1): its order.created goes out now.
                events.insert(0, self._event(order, "order.created"))
            self._send(events, chaos=order.sku == CHAOS_PENDING)

    def _refund(self, order: Order) -> None:
        refunded = refund(self.state, order.order_id)
        if refunded.version != order.version:
            self.changed()
            self._send([self._event(refunded, "order.refunded")])


SERVICE_KEY: Final = web.AppKey("sandbox_service", SandboxService)
