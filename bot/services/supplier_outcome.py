"""What a supplier order's state means for ours: a pure decision, then its application.

`decide` looks at our order and the supplier's and says what follows (no I/O, so every
supplier status × every order status is tested as a table). `apply_supplier_order` writes
that decision in the caller's transaction: codes, the new status, store credit, the
customer's messages and admin alerts land together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from bot.services.alerts import AlertKind, queue_alert
from bot.services.money_back import take_back_earned_credit
from storage.cipher import CodeCipher
from storage.models import Code, Order, OrderStatus
from storage.order_states import AWAITING_SUPPLIER
from storage.repositories import (
    CodeRepository,
    CreditReason,
    CreditRepository,
    OrderRepository,
    OutboxRepository,
)
from supplier.models import Code as SupplierCode
from supplier.models import Order as SupplierOrder

log = logging.getLogger(__name__)

SUPPLIER_STATUSES = ("pending", "completed", "partial", "failed", "refunded")
# Reasons an order waits for a person; DEADLINE ones still take supplier news.
MISMATCH = "supplier order does not match ours"
DEADLINE = "deadline passed"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with supplier news. `to` None: nothing (stale, repeated, or moot)."""

    to: OrderStatus | None
    reason: str | None = None
    codes: tuple[Code, ...] = ()
    credit: int = 0  # store credit earned for units the supplier could not fill
    notice: str | None = None  # the customer's message (outbox notice kind)
    send_codes: bool = False
    alert: AlertKind | None = None
    fields: dict[str, Any] = field(default_factory=dict)


NOTHING = Decision(to=None)


def takes_supplier_news(order: Order) -> bool:
    """An order with a supplier order under way, or one waiting for a person only because
    the supplier was slow: a late fulfilment must still reach the customer."""
    return order.status in AWAITING_SUPPLIER or (
        order.status is OrderStatus.NEEDS_ATTENTION
        and order.attention_from in AWAITING_SUPPLIER
        and order.attention_reason == DEADLINE
    )


def decide(order: Order, supplier: SupplierOrder, *, ceiling: int, now: datetime) -> Decision:
    if supplier.reference != order.id:
        raise ValueError(f"supplier order {supplier.order_id} is not for {order.id}")
    if supplier.status not in SUPPLIER_STATUSES:
        raise ValueError(f"unknown supplier status {supplier.status!r}")
    if order.supplier_order_id and supplier.version <= order.supplier_version:
        return NOTHING  # stale or repeated news
    tracking = {
        "supplier_order_id": supplier.order_id,
        "supplier_status": supplier.status,
        "supplier_version": supplier.version,
    }
    if order.status in (OrderStatus.DELIVERED, OrderStatus.PARTIAL):
        if supplier.status != "refunded":
            return NOTHING
        # The supplier took back codes we delivered: the customer is made whole.
        return Decision(
            to=OrderStatus.VOIDED,
            reason="supplier refunded after delivery",
            notice="voided",
            alert=AlertKind.VOIDED,
            fields={**tracking, "voided_at": now},
        )
    if not takes_supplier_news(order):
        return NOTHING
    if (supplier.sku, supplier.quantity) != (order.sku, order.quantity) or (
        supplier.unit_price.currency != order.wholesale_currency
        or supplier.unit_price.amount > ceiling
        or not credits_our_player(order, supplier)
    ):
        # Never deliver what the customer did not buy, nor at a price we did not accept.
        return Decision(
            to=OrderStatus.NEEDS_ATTENTION,
            reason=MISMATCH,
            alert=AlertKind.NEEDS_ATTENTION,
            fields=tracking,
        )
    codes = tuple(_code(c) for c in supplier.codes)[: order.quantity]
    if supplier.status == "pending":
        if order.status is OrderStatus.NEEDS_ATTENTION:
            return NOTHING  # still slow: the person looking at it decides
        return Decision(to=OrderStatus.PENDING, notice="processing", fields=tracking)
    # A completed top-up issues no code: the credit to the player's account is the delivery.
    credited = order.is_topup and supplier.topup is not None
    if supplier.status in ("completed", "partial") and (codes or credited):
        issued = order.quantity if credited else len(codes)
        unfilled = order.quantity - issued
        return Decision(
            to=OrderStatus.PARTIAL if unfilled else OrderStatus.DELIVERED,
            codes=codes,
            # Stars are refunded whole or not at all: unfilled units become store credit.
            credit=unfilled * order.unit_price,
            send_codes=True,
            fields={
                **tracking,
                "fulfilled_quantity": issued,
                "credited_amount": unfilled * order.unit_price,
                "finished_at": now,
            },
        )
    # Nothing issued, failed, or refunded before we saw any code: the payment goes back.
    return Decision(
        to=OrderStatus.FAILED,
        fields={
            **tracking,
            "failure_reason": supplier.failure_reason or f"supplier_{supplier.status}_no_codes",
        },
    )


@dataclass(frozen=True, slots=True)
class ApplyResult:
    order: Order
    queued_messages: bool


async def apply_supplier_order(
    conn: aiosqlite.Connection,
    cipher: CodeCipher,
    order: Order,
    supplier_order: SupplierOrder,
    now: datetime,
    *,
    ceiling: int,
    admins: Collection[int] = (),
    next_check: datetime | None = None,
) -> ApplyResult:
    """Apply `decide`'s answer. `next_check`: when a delivered order is next re-checked
    with the supplier (a void may follow; webhooks can be lost)."""
    decision = decide(order, supplier_order, ceiling=ceiling, now=now)
    if decision.to is None:
        return ApplyResult(order, queued_messages=False)
    fields = dict(decision.fields)
    if decision.send_codes:
        await CodeRepository(conn, cipher).add_codes(order.id, list(decision.codes), now)
        fields["next_attempt_at"] = next_check
    credits = CreditRepository(conn)
    if decision.credit:
        await credits.add_credit(
            user_id=order.user_id,
            amount=decision.credit,
            currency=order.currency,
            reason=CreditReason.UNFILLED_UNITS,
            order_id=order.id,
            now=now,
        )
    if decision.to is OrderStatus.VOIDED:
        await take_back_earned_credit(conn, order, now)
    moved = await OrderRepository(conn).transition(
        order.id, expected=[order.status], to=decision.to, now=now, reason=decision.reason, **fields
    )
    outbox = OutboxRepository(conn)
    queued = False
    if decision.send_codes:
        queued |= await outbox.enqueue(
            chat_id=order.chat_id,
            kind="codes",
            order_id=order.id,
            dedupe_key=f"codes:{order.id}",
            now=now,
        )
    if decision.notice:
        queued |= await outbox.enqueue_notice(
            chat_id=order.chat_id, order_id=order.id, notice=decision.notice, now=now
        )
    if decision.alert:
        log.warning("order %s: %s", order.id, decision.reason or decision.alert)
        queued |= await queue_alert(
            conn,
            admins,
            decision.alert,
            order.id,
            now,
            order_id=order.id,
            details={"reason": decision.reason or ""},
        )
    return ApplyResult(moved, queued)


def credits_our_player(order: Order, supplier: SupplierOrder) -> bool:
    """A top-up's supplier order names the account ours does (when the supplier says).
    Credit sent to anyone else is never reported to the customer as theirs."""
    named = [p for p in (supplier.player_id, supplier.topup and supplier.topup.player_id) if p]
    return all(player == order.player_id for player in named)


def _code(code: SupplierCode) -> Code:
    return Code(
        code=code.code,
        pin=code.pin,
        serial=code.serial,
        redemption_url=code.redemption_url,
        expires_at=code.expires_at.isoformat() if code.expires_at else None,
    )
