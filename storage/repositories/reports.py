"""Read-only questions the shop's operators ask of the orders: lists, spend, periods.

Kept apart from OrderRepository (which owns every write) so the operations console adds
queries without touching the state machine's repository.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from storage.clock import to_db
from storage.models import Order, OrderStatus, Payment
from storage.repositories._base import Repository
from storage.repositories.orders import _order
from storage.repositories.payments import _payment

# Unpaid quotes are not orders an operator acts on; `/orders quoted` still lists them.
_UNPAID = ("quoted", "expired")


class ReportRepository(Repository):
    def _filter(self, statuses: Collection[OrderStatus] | None) -> tuple[str, list[Any]]:
        if statuses:
            wanted = [status.value for status in statuses]
            return f"status IN ({','.join('?' * len(wanted))})", wanted
        return f"status NOT IN ({','.join('?' * len(_UNPAID))})", list(_UNPAID)

    async def count_orders(self, statuses: Collection[OrderStatus] | None = None) -> int:
        where, params = self._filter(statuses)
        cursor = await self._conn.execute(
            f"SELECT count(*) FROM orders WHERE {where}",  # noqa: S608
            params,
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def list_orders(
        self, statuses: Collection[OrderStatus] | None = None, *, limit: int, offset: int = 0
    ) -> list[Order]:
        """Orders needing a person first, then the newest."""
        where, params = self._filter(statuses)
        cursor = await self._conn.execute(
            f"""SELECT * FROM orders WHERE {where}
                ORDER BY status = 'needs_attention' DESC, created_at DESC, id DESC
                LIMIT ? OFFSET ?""",  # noqa: S608
            [*params, limit, offset],
        )
        return [_order(row) for row in await cursor.fetchall()]

    async def wholesale_spend(self, currency: str, since: datetime) -> int:
        """What the supplier kept for codes issued to orders paid since `since`: the units
        it filled at our wholesale price, unless it refunded the order afterwards."""
        cursor = await self._conn.execute(
            """SELECT coalesce(sum(wholesale_unit_price * fulfilled_quantity), 0) FROM orders
               WHERE wholesale_currency = ? AND paid_at >= ?
                 AND coalesce(supplier_status, '') <> 'refunded'""",
            (currency, to_db(since)),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def orders_paid_between(self, start: datetime, end: datetime) -> list[Order]:
        """Orders paid in [start, end), oldest first."""
        cursor = await self._conn.execute(
            """SELECT * FROM orders WHERE paid_at >= ? AND paid_at < ?
               ORDER BY paid_at, id""",
            (to_db(start), to_db(end)),
        )
        return [_order(row) for row in await cursor.fetchall()]

    async def delivery_times(self, start: datetime, end: datetime) -> list[float]:
        """Seconds from payment to delivery of orders paid in [start, end)."""
        cursor = await self._conn.execute(
            """SELECT (julianday(t.at) - julianday(o.paid_at)) * 86400.0
               FROM orders o JOIN order_transitions t ON t.order_id = o.id
               WHERE o.paid_at >= ? AND o.paid_at < ?
                 AND t.to_status IN ('delivered', 'partial')
                 AND t.id = (SELECT min(id) FROM order_transitions
                             WHERE order_id = o.id AND to_status IN ('delivered', 'partial'))
               ORDER BY 1""",
            (to_db(start), to_db(end)),
        )
        return [max(0.0, float(row[0])) for row in await cursor.fetchall()]

    async def payments_between(self, start: datetime, end: datetime) -> list[Payment]:
        """Every Telegram payment the bot saw (live or from the Stars ledger) in [start, end)."""
        cursor = await self._conn.execute(
            "SELECT * FROM payments WHERE paid_at >= ? AND paid_at < ? ORDER BY paid_at",
            (to_db(start), to_db(end)),
        )
        return [_payment(row) for row in await cursor.fetchall()]
