from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import aiosqlite

from storage.clock import from_db, from_db_optional, to_db
from storage.errors import ConcurrentUpdate, NotFound
from storage.models import NewOrder, Order, OrderStatus, OrderTransition
from storage.order_states import RESUMABLE, STEP_OWED, Step, check_transition
from storage.repositories._base import Repository, unique_violation_as
from storage.repositories.credits import CreditReason, CreditRepository

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
        "voided_at",
        "telegram_payment_charge_id",
        "provider_payment_charge_id",
        "paid_amount",
        "paid_at",
        "next_attempt_at",
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
        status_since=from_db(row["status_since"]),
        credit_used=row["credit_used"],
        reserved_until=from_db_optional(row["reserved_until"]),
        attention_reason=row["attention_reason"],
        attention_from=OrderStatus(row["attention_from"]) if row["attention_from"] else None,
        attempts=row["attempts"],
        next_attempt_at=from_db_optional(row["next_attempt_at"]),
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
        voided_at=from_db_optional(row["voided_at"]),
        version=row["version"],
        player_id=row["player_id"],
        player_name=row["player_name"],
    )


def _transition(row: aiosqlite.Row) -> OrderTransition:
    return OrderTransition(
        order_id=row["order_id"],
        from_status=OrderStatus(row["from_status"]) if row["from_status"] else None,
        to_status=OrderStatus(row["to_status"]),
        reason=row["reason"],
        at=from_db(row["at"]),
    )


class OrderRepository(Repository):
    async def create_order(self, new: NewOrder, now: datetime) -> Order:
        stamp = to_db(now)
        with unique_violation_as(f"order {new.id}"):
            await self._conn.execute(
                """INSERT INTO orders (id, user_id, chat_id, sku, quantity, currency, unit_price,
                       total_price, credit_used, wholesale_unit_price, wholesale_currency,
                       quote_expires_at, status, status_since, created_at, updated_at,
                       player_id, player_name)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'quoted', ?, ?, ?, ?, ?)""",
                (
                    new.id,
                    new.user_id,
                    new.chat_id,
                    new.sku,
                    new.quantity,
                    new.currency,
                    new.unit_price,
                    new.unit_price * new.quantity,
                    new.credit_used,
                    new.wholesale_unit_price,
                    new.wholesale_currency,
                    to_db(new.quote_expires_at),
                    stamp,
                    stamp,
                    stamp,
                    new.player_id,
                    new.player_name,
                ),
            )
        await self._record(new.id, None, OrderStatus.QUOTED, None, stamp)
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
        telegram_charge_id: str | None,
        provider_charge_id: str | None,
        amount: int,
        now: datetime,
    ) -> Order:
        """quoted|expired → paid. A paid-but-expired quote is still a payment we must honour.
        No charge id: store credit paid the whole price. The credit the quote reserved is
        spent here, in the same transaction as the payment."""
        with unique_violation_as(f"payment {telegram_charge_id}"):
            paid = await self.transition(
                order_id,
                expected=(OrderStatus.QUOTED, OrderStatus.EXPIRED),
                to=OrderStatus.PAID,
                now=now,
                telegram_payment_charge_id=telegram_charge_id,
                provider_payment_charge_id=provider_charge_id,
                paid_amount=amount,
                paid_at=now,
            )
        if paid.credit_used:
            await CreditRepository(self._conn).add_credit(
                user_id=paid.user_id,
                amount=-paid.credit_used,
                currency=paid.currency,
                reason=CreditReason.SPENT,
                order_id=paid.id,
                now=now,
            )
        return paid

    async def transition(
        self,
        order_id: str,
        *,
        expected: Collection[OrderStatus],
        to: OrderStatus,
        now: datetime,
        reason: str | None = None,
        **fields: object,
    ) -> Order:
        """Move an order to `to` only from one of `expected`; raise ConcurrentUpdate otherwise.

        The guard is what keeps two workers (webhook, poller, recovery) from both acting
        on one order: the second finds the status already moved and stops. Every move must
        be in the state table (IllegalTransition otherwise) and lands in the timeline.
        `reason` is kept in the timeline; moving to needs_attention requires one."""
        unknown = set(fields) - _MUTABLE
        if unknown:
            raise ValueError(f"not settable by a transition: {sorted(unknown)}")
        for current in expected:
            check_transition(current, to)
        if to is OrderStatus.NEEDS_ATTENTION and not reason:
            raise ValueError("an order needs attention for a reason")
        stamp = to_db(now)
        order = await self.get_order(order_id)
        if order.status not in expected:
            raise ConcurrentUpdate(f"order {order_id} is {order.status}, expected {expected}")
        changes: dict[str, object] = {}
        if to is not order.status:
            # A new state starts its own clock and its own count of tries.
            changes |= {"status_since": stamp, "attempts": 0, "next_attempt_at": None}
            changes |= (
                {"attention_reason": reason, "attention_from": order.status.value}
                if to is OrderStatus.NEEDS_ATTENTION
                else {"attention_reason": None, "attention_from": None}
            )
        changes |= fields
        assignments = "".join(f", {name} = ?" for name in changes)
        values = [to_db(v) if isinstance(v, datetime) else v for v in changes.values()]
        cursor = await self._conn.execute(
            f"""UPDATE orders SET status = ?, updated_at = ?, version = version + 1{assignments}
                WHERE id = ? AND version = ? RETURNING *""",  # noqa: S608
            (to.value, stamp, *values, order_id, order.version),
        )
        row = await cursor.fetchone()
        if row is None:  # only possible from another connection (another process)
            raise ConcurrentUpdate(f"order {order_id} changed under us")
        supplier_order_id = fields.get("supplier_order_id")
        if supplier_order_id is not None and supplier_order_id != order.supplier_order_id:
            await self._attempt_took(order_id, str(supplier_order_id))
        if to is not order.status:
            await self._record(order_id, order.status, to, reason, stamp)
        return _order(row)

    async def _attempt_took(self, order_id: str, supplier_order_id: str) -> None:
        """The current attempt's supplier named its order: kept there, unique per supplier
        (UNIQUE (supplier, supplier_order_id)), since two suppliers may issue the same id.
        One supplier giving one id to two of our orders is an IntegrityError: never merged."""
        await self._conn.execute(
            """UPDATE supplier_attempts SET supplier_order_id = ?
               WHERE order_id = ?
                 AND n = (SELECT MAX(n) FROM supplier_attempts WHERE order_id = ?)""",
            (supplier_order_id, order_id, order_id),
        )

    async def record_attempt(
        self, order_id: str, *, next_attempt_at: datetime | None, error: str | None = None
    ) -> None:
        """One more try of the step owed in the current status; the next not before
        `next_attempt_at`. The status does not change."""
        await self._conn.execute(
            """UPDATE orders SET attempts = attempts + 1, next_attempt_at = ?,
                   failure_reason = coalesce(?, failure_reason)
               WHERE id = ?""",
            (to_db(next_attempt_at) if next_attempt_at else None, error, order_id),
        )

    async def list_due(self, now: datetime) -> list[Order]:
        """Orders the recovery pass owes a step now: resumable ones whose backoff is over,
        and deliveries due for a re-check with the supplier."""
        resumable = sorted(RESUMABLE)
        watched = sorted(s for s, step in STEP_OWED.items() if step is Step.WATCH)
        cursor = await self._conn.execute(
            f"""SELECT * FROM orders
               WHERE (status IN ({",".join("?" * len(resumable))})
                      AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
                  OR (status IN ({",".join("?" * len(watched))}) AND next_attempt_at <= ?)
               ORDER BY updated_at""",  # noqa: S608
            (*resumable, to_db(now), *watched, to_db(now)),
        )
        return [_order(row) for row in await cursor.fetchall()]

    async def list_overdue(self, status: OrderStatus, since_before: datetime) -> list[Order]:
        """Orders that have been in `status` since before `since_before`."""
        cursor = await self._conn.execute(
            "SELECT * FROM orders WHERE status = ? AND status_since < ? ORDER BY status_since",
            (status.value, to_db(since_before)),
        )
        return [_order(row) for row in await cursor.fetchall()]

    async def reserve_stock(self, order_id: str, until: datetime) -> None:
        """Hold the quote's units against the supplier's stock figure until payment."""
        await self._conn.execute(
            "UPDATE orders SET reserved_until = ? WHERE id = ?", (to_db(until), order_id)
        )

    async def units_held(
        self,
        sku: str,
        now: datetime,
        *,
        excluding: str = "",
        placed_since: datetime | None = None,
    ) -> int:
        """Units of `sku` this shop has promised but not yet ordered from the supplier:
        quotes approved at pre-checkout (until their hold lapses) and paid orders whose
        supplier order is not placed yet. With `placed_since` (when the caller read the
        supplier's stock figure), also the units ordered since: that figure may predate
        their POST, so they are in neither the figure nor the promises above."""
        cursor = await self._conn.execute(
            """SELECT coalesce(sum(quantity), 0) FROM orders
               WHERE sku = ? AND id <> ? AND supplier_order_id IS NULL
                 AND status IN ('quoted', 'paid', 'ordering')
                 AND (status <> 'quoted' OR reserved_until > ?)""",
            (sku, excluding, to_db(now)),
        )
        row = await cursor.fetchone()
        promised = int(row[0]) if row else 0
        if placed_since is None:
            return promised
        # Left `ordering` since the figure was read: placed (or served) meanwhile. Counting
        # one placed just before the read too only errs towards declining before payment.
        cursor = await self._conn.execute(
            """SELECT coalesce(sum(quantity), 0) FROM orders
               WHERE sku = ? AND id <> ?
                 AND NOT (supplier_order_id IS NULL AND status IN ('quoted', 'paid', 'ordering'))
                 AND id IN (SELECT order_id FROM order_transitions
                            WHERE from_status = 'ordering' AND at >= ?)""",
            (sku, excluding, to_db(placed_since)),
        )
        row = await cursor.fetchone()
        return promised + (int(row[0]) if row else 0)

    async def credit_reserved(self, user_id: int, currency: str, now: datetime) -> int:
        """Store credit promised to this user's open quotes (not yet spent)."""
        cursor = await self._conn.execute(
            # A quote approved at pre-checkout may be paid just after it lapses: its
            # credit stays promised while its stock hold lasts.
            """SELECT coalesce(sum(credit_used), 0) FROM orders
               WHERE user_id = ? AND currency = ? AND status = 'quoted'
                 AND (quote_expires_at > ? OR reserved_until > ?)""",
            (user_id, currency, to_db(now), to_db(now)),
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_by_status(self) -> dict[OrderStatus, int]:
        cursor = await self._conn.execute("SELECT status, count(*) FROM orders GROUP BY status")
        return {OrderStatus(row[0]): int(row[1]) for row in await cursor.fetchall()}

    async def transitions_after(
        self, last_id: int, limit: int = 10_000
    ) -> list[tuple[int, OrderTransition, datetime | None]]:
        """Timeline rows after `last_id`, oldest first, each with its order's payment time
        (for payment→delivery latency)."""
        cursor = await self._conn.execute(
            """SELECT t.*, o.paid_at FROM order_transitions AS t JOIN orders AS o
                   ON o.id = t.order_id
               WHERE t.id > ? ORDER BY t.id LIMIT ?""",
            (last_id, limit),
        )
        return [
            (row["id"], _transition(row), from_db_optional(row["paid_at"]))
            for row in await cursor.fetchall()
        ]

    async def timeline(self, order_id: str) -> list[OrderTransition]:
        cursor = await self._conn.execute(
            "SELECT * FROM order_transitions WHERE order_id = ? ORDER BY id", (order_id,)
        )
        return [_transition(row) for row in await cursor.fetchall()]

    async def _record(
        self,
        order_id: str,
        from_status: OrderStatus | None,
        to_status: OrderStatus,
        reason: str | None,
        stamp: str,
    ) -> None:
        await self._conn.execute(
            """INSERT INTO order_transitions (order_id, from_status, to_status, reason, at)
               VALUES (?, ?, ?, ?, ?)""",
            (order_id, from_status.value if from_status else None, to_status.value, reason, stamp),
        )

    async def set_invoice_message(self, order_id: str, message_id: int) -> None:
        await self._conn.execute(
            "UPDATE orders SET invoice_message_id = ? WHERE id = ?", (message_id, order_id)
        )

    async def expire_quotes(self, now: datetime) -> int:
        stamp = to_db(now)
        # A quote approved at pre-checkout keeps its hold (stock and credit) until the hold
        # lapses too: Telegram may still deliver its payment.
        cursor = await self._conn.execute(
            """SELECT id FROM orders WHERE status = 'quoted' AND quote_expires_at < ?
                 AND (reserved_until IS NULL OR reserved_until < ?)""",
            (stamp, stamp),
        )
        lapsed = [row[0] for row in await cursor.fetchall()]
        for order_id in lapsed:
            await self.transition(
                order_id, expected=[OrderStatus.QUOTED], to=OrderStatus.EXPIRED, now=now
            )
        return len(lapsed)
