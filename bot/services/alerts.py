"""Alerts to the shop's admins, queued in the caller's transaction through the outbox.

One outbox row per admin and per (kind, subject): an alert raised twice for the same
crossing is sent once, and it reaches the admins even if this process dies right after
the state change that raised it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.repositories import OutboxRepository

OUTBOX_KIND = "alert"


class AlertKind(StrEnum):
    NEEDS_ATTENTION = "needs_attention"  # subject: order id; details: reason
    REFUND_DUE = "refund_due"  # subject: order id (a card payment to refund by hand)
    VOIDED = "voided"  # subject: order id
    UNMATCHED_PAYMENT = "unmatched_payment"  # subject: charge id; details: user, amount
    REFUND_FAILED = "refund_failed"  # subject: charge id of a payment Telegram won't refund
    # Operations (bot/services/ops_monitor.py; texts in bot/rendering/ops_alerts.py).
    LOW_BALANCE = "low_balance"  # subject: "supplier"; details: available, threshold, currency
    BALANCE_RECOVERED = "balance_recovered"  # the same details, once back above the threshold
    SYNC_FAILING = "sync_failing"  # subject: "catalog"; details: failures, error
    WEBHOOK_SIGNATURES = "webhook_signatures"  # subject: "webhook"; details: count, minutes
    SUPPLIER_ERRORS = "supplier_errors"  # subject: "supplier"; details: count, minutes
    HELD_STOCK_LOW = "held_stock_low"  # subject: SKU; details: sku, held, threshold
    # Several suppliers (bot/services/placement.py): a circuit breaker opening / closing.
    SUPPLIER_SKIPPED = "supplier_skipped"  # subject: supplier name; details: failures, seconds
    SUPPLIER_BACK = "supplier_back"  # subject: supplier name
    # A superseded attempt its supplier fulfilled after all (bot/services/late_fulfilment.py).
    # subject: order id; details: supplier, reference, supplier_order_id, status
    LATE_FULFILMENT = "late_fulfilment"


async def queue_alert(
    conn: aiosqlite.Connection,
    admins: Collection[int],
    kind: AlertKind,
    subject: str,
    now: datetime,
    *,
    order_id: str | None = None,
    details: Mapping[str, object] | None = None,
    occurrence: str = "",
) -> bool:
    """Queue the alert for every admin; True if any was new. The same (kind, subject,
    occurrence) is sent once: pass an `occurrence` when a subject may cross again later."""
    outbox = OutboxRepository(conn)
    queued = False
    for admin_id in sorted(admins):
        queued |= await outbox.enqueue(
            chat_id=admin_id,
            kind=OUTBOX_KIND,
            order_id=order_id,
            payload={"alert": kind.value, "subject": subject, **(details or {})},
            dedupe_key=f"alert:{kind.value}:{subject}:{occurrence}:{admin_id}",
            now=now,
        )
    return queued
