from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import aiosqlite

from storage.clock import from_db, from_db_optional, to_db
from storage.errors import ConcurrentUpdate, NotFound
from storage.models import NewOrder, Order, OrderStatus
from storage.repositories._base import Repository, unique_violation_as

# Columns a transition may set besides status; anything else is a programming error.
_MUTABLE = frozenset(
    {
        "supplier_order_id",
        "supplier_status",
        "supplier_version",
        "fulfilled_quantity",
        "credited_amount",
        "failure_reason",
        "invoice_message_id",
        "finished_at",
    }
)


def _order(row: aiosqlite.Row) -> Order:
    return Order(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        sku=row["sku"],
        quantity=row["quantity"],
        currency=row["currency"],
        unit_price=row["unit_price"],
        total_price=row["total_price"],
        wholesale_unit_price=row["wholesale_unit_price"],
        wholesale_currency=row["wholesale_currency"],
        quote_expires_at=from_db(row["quote_expires_at"]),
        status=OrderStatus(row["status"]),
        telegram_payment_charge_id=row["telegram_payment_charge_id"],
        provider_payment_charge_id=row["provider_payment_charge_id"],
        paid_amount=row["paid_amount"],
        supplier_order_id=row["supplier_order_id"],
        supplier_status=row["supplier_status"],
        supplier_version=row["supplier_version"],
        fulfilled_quantity=row["fulfilled_quantity"],
        credited_amount=row["credited_amount"],
        failure_reason=row["failure_reason"],
        invoice_message_id=row["invoice_message_id"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        paid_at=from_db_optional(row["paid_at"]),
        finished_at=from_db_optional(row["finished_at"]),
        version=row["version"],
    )


class OrderRepository(Repository):
    async def create_order(self, new: NewOrder, now: datetime) -> Order:
        stamp = to_db(now)
        with unique_violation_as(f"order {new.id}"):
            await self._conn.execute(
                """INSERT INTO orders (id, user_id, chat_id, sku, quantity, currency, unit_price,
                       total_price, wholesale_unit_price, wholesale_currency, quote_expires_at,
                       status, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'quoted', ?, ?)""",
                (
                    new.id,
                    new.user_id,
                    new.chat_id,
                    new.sku,
                    new.quantity,
                    new.currency,
                    new.unit_price,
                    new.unit_price * new.quantity,
                    new.wholesale_unit_price,
                    new.wholesale_currency,
                    to_db(new.quote_expires_at),
                    stamp,
                    stamp,
                ),
            )
        return await self.get_order(new.id)

    async def find_order(self, order_id: str) -> Order | None:
        cursor = await self._conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,))
        row = await cursor.fetchone()
        return _order(row) if row else None

    async def get_order(self, order_id: str) -> Order:
        order = await self.find_order(order_id)
        if order is None:
            raise NotFound(f"order {order_id}")
        return order

    async def find_order_by_charge(self, charge_id: str) -> Order | None:
        cursor = await self._conn.execute(
            "SELECT * FROM orders WHERE telegram_payment_charge_id = ?", (charge_id,)
        )
        row = await cursor.fetchone()
        return _order(row) if row else None

    async def list_orders_for_user(
        self, user_id: int, *, limit: int, offset: int = 0, include_quotes: bool = False
    ) -> list[Order]:
        # Unpaid quotes are clutter in a customer's history; admins may want them.
        visible = "" if include_quotes else "AND status NOT IN ('quoted', 'expired')"
        cursor = await self._conn.execute(
            f"""SELECT * FROM orders WHERE user_id = ? {visible}
                ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?""",  # noqa: S608
            (user_id, limit, offset),
        )
        return [_order(row) for row in await cursor.fetchall()]

    async def count_orders_for_user(self, user_id: int) -> int:
        cursor = await self._conn.execute(
            """SELECT count(*) FROM orders
               WHERE user_id = ? AND status NOT IN ('quoted', 'expired')""",
            (user_id,),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_orders_created_since(self, user_id: int, since: datetime) -> int:
        cursor = await self._conn.execute(
            "SELECT count(*) FROM orders WHERE user_id = ? AND created_at >= ?",
            (user_id, to_db(since)),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def list_orders_in_status(
        self, statuses: Collection[OrderStatus], *, updated_before: datetime | None = None
    ) -> list[Order]:
        wanted = [status.value for status in statuses]
        sql = f"SELECT * FROM orders WHERE status IN ({','.join('?' * len(wanted))})"  # noqa: S608
        params: list[Any] = wanted
        if updated_before is not None:
            sql += " AND updated_at < ?"
            params.append(to_db(updated_before))
        cursor = await self._conn.execute(sql + " ORDER BY updated_at", params)
        return [_order(row) for row in await cursor.fetchall()]

    async def mark_paid(
        self,
        order_id: str,
        *,
        telegram_charge_id: str,
        provider_charge_id: str | None,
        amount: int,
        now: datetime,
    ) -> Order:
        """quoted|expired → paid. A paid-but-expired quote is still a payment we must honour."""
        stamp = to_db(now)
        with unique_violation_as(f"payment {telegram_charge_id}"):
            cursor = await self._conn.execute(
                """UPDATE orders SET status = 'paid', telegram_payment_charge_id = ?,
                       provider_payment_charge_id = ?, paid_amount = ?, paid_at = ?,
                       updated_at = ?, version = version + 1
                   WHERE id = ? AND status IN ('quoted', 'expired')""",
                (telegram_charge_id, provider_charge_id, amount, stamp, stamp, order_id),
            )
        if cursor.rowcount == 0:
            order = await self.get_order(order_id)
            raise ConcurrentUpdate(f"order {order_id} is {order.status}, not payable")
        return await self.get_order(order_id)

    async def transition(
        self,
        order_id: str,
        *,
        expected: Collection[OrderStatus],
        to: OrderStatus,
        now: datetime,
        **fields: object,
    ) -> Order:
        """Move an order to `to` only from one of `expected`; raise ConcurrentUpdate otherwise.

        The guard is what keeps two workers (webhook, poller, recovery) from both acting
        on one order: the second finds the status already moved and stops."""
        unknown = set(fields) - _MUTABLE
        if unknown:
            raise ValueError(f"not settable by a transition: {sorted(unknown)}")
        assignments = "".join(f", {name} = ?" for name in fields)
        values = [to_db(v) if isinstance(v, datetime) else v for v in fields.values()]
        wanted = [status.value for status in expected]
        cursor = await self._conn.execute(
            f"""UPDATE orders SET status = ?, updated_at = ?, version = version + 1{assignments}
                WHERE id = ? AND status IN ({",".join("?" * len(wanted))})""",  # noqa: S608
            (to.value, to_db(now), *values, order_id, *wanted),
        )
        if cursor.rowcount == 0:
            order = await self.get_order(order_id)
            raise ConcurrentUpdate(f"order {order_id} is {order.status}, expected {wanted}")
        return await self.get_order(order_id)

    async def set_invoice_message(self, order_id: str, message_id: int) -> None:
        await self._conn.execute(
            "UPDATE orders SET invoice_message_id = ? WHERE id = ?", (message_id, order_id)
        )

    async def expire_quotes(self, now: datetime) -> int:
        stamp = to_db(now)
        cursor = await self._conn.execute(
            """UPDATE orders SET status = 'expired', updated_at = ?, version = version + 1
               WHERE status = 'quoted' AND quote_expires_at < ?""",
            (stamp, stamp),
        )
        return cursor.rowcount
