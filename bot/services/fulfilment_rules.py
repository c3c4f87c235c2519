"""How long an order may stay in a state, and how retries of its step are spaced.

Deadlines hand an order to a person; retry spacing keeps a refund Telegram refuses, or a
delivery being re-checked for a supplier void, from costing a call every recovery tick.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.settings import BotSettings
from storage.models import Order, OrderStatus


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Past one of these in its state, an order goes to needs_attention."""

    ordering: timedelta = timedelta(minutes=15)
    pending: timedelta = timedelta(minutes=60)
    failed: timedelta = timedelta(minutes=30)  # the refund should be done by then
    refund_due: timedelta = timedelta(hours=48)  # a person refunds a card payment

    def items(self) -> Iterator[tuple[OrderStatus, timedelta]]:
        yield OrderStatus.ORDERING, self.ordering
        yield OrderStatus.PENDING, self.pending
        yield OrderStatus.FAILED, self.failed
        yield OrderStatus.REFUND_DUE, self.refund_due

    def passed(self, order: Order, now: datetime) -> bool:
        limit = dict(self.items()).get(order.status)
        return limit is not None and now - order.status_since > limit


def deadlines(settings: BotSettings) -> Deadlines:
    return Deadlines(
        ordering=timedelta(minutes=settings.ordering_sla_minutes),
        pending=timedelta(minutes=settings.pending_sla_minutes),
        failed=timedelta(minutes=settings.refund_sla_minutes),
        refund_due=timedelta(hours=settings.refund_due_sla_hours),
    )


@dataclass(frozen=True, slots=True)
class RetryRules:
    refund_rejections: int = 4  # refusals before a person takes over
    refund_base: timedelta = timedelta(seconds=30)
    refund_cap: timedelta = timedelta(minutes=30)
    watch_first: timedelta = timedelta(minutes=5)  # first re-check after delivery
    watch_window: timedelta = timedelta(hours=24)  # re-checks stop after this

    def refund_backoff(self, attempts: int) -> timedelta:
        backoff: timedelta = self.refund_base * 2 ** min(attempts, 16)
        return min(self.refund_cap, backoff)

    def next_watch(self, order: Order, now: datetime) -> datetime | None:
        """Doubling gaps after delivery; None once the window is over."""
        delivered = order.finished_at or order.status_since
        nxt = now + self.watch_first * 2 ** min(order.attempts + 1, 16)
        return nxt if nxt <= delivered + self.watch_window else None
