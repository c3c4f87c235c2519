"""A superseded attempt that its supplier took after all: found, recorded, and alerted.

After an unclear POST (a timeout, a 5xx) the attempt is looked up by reference, and "not
found" moves the order on to the next supplier (bot/services/placement.py). A supplier
that did take the POST but answered the lookup before its order was visible (a lagging
index, a queue) may still fulfil it later: the shop has then bought the card twice. The
customer is not affected (they get the order from its current supplier, or their money
back), so nothing is delivered from the late order and the order's state is not touched;
but money went out twice, and only a person can claim it back from that supplier (or keep
its codes). So the attempt is marked `placed` with the error `late` and its supplier's
order id, and the admins get one alert per attempt, through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

from bot.services.alerts import AlertKind, queue_alert
from storage.database import Database
from storage.repositories.supplier_attempts import SupplierAttempt, SupplierAttemptRepository
from supplier.router import Member

log = logging.getLogger(__name__)

LATE = "late"  # the attempt's error once its supplier turned out to hold the order
# Supplier statuses in which it holds (or has fulfilled) the order, so it charged us.
HOLDS = frozenset({"pending", "completed", "partial"})


async def report_late(
    db: Database,
    admins: Collection[int],
    member: Member,
    attempt: SupplierAttempt,
    supplier_order_id: str,
    now: datetime,
) -> bool:
    """News from `member` about `attempt`, no longer the order's current one. Fetches the
    supplier's order (webhooks are thin, and not trusted for what they name); True if an
    alert was queued. Raises SupplierError when the supplier cannot be asked."""
    found = await member.client.get_order(supplier_order_id)
    if found.reference != attempt.reference:
        log.warning(
            "supplier %s order %s is not for attempt %s: ignored",
            member.name,
            supplier_order_id,
            attempt.reference,
        )
        return False
    if found.status not in HOLDS:
        log.info("superseded attempt %s is %s at %s", attempt.reference, found.status, member.name)
        return False
    log.error(
        "supplier %s holds superseded attempt %s (%s): the order went elsewhere, bought twice",
        member.name,
        attempt.reference,
        found.status,
    )
    async with db.transaction() as conn:
        await SupplierAttemptRepository(conn).mark_late(
            attempt.order_id, attempt.n, supplier_order_id, now, error=LATE
        )
        return await queue_alert(
            conn,
            admins,
            AlertKind.LATE_FULFILMENT,
            attempt.order_id,
            now,
            order_id=attempt.order_id,
            details={
                "supplier": member.name,
                "reference": attempt.reference,
                "supplier_order_id": supplier_order_id,
                "status": found.status,
            },
            occurrence=attempt.reference,
        )
