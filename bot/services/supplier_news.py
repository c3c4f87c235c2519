"""Whether a supplier webhook is news for one of our orders, decided from the database alone.

Webhooks are thin (an order id, our reference, a version), and most of them tell us nothing
new: the POST already returned the order they announce, or a later attempt went to another
supplier. Judging that needs no supplier call and no lock: versions only grow and a
superseded attempt stays superseded, so what is stale now stays stale. The listener judges
each event in the transaction that records it; only news, and news of a superseded attempt
(which may reveal a card bought twice), go on to a fetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import aiosqlite

from storage.models import Order
from storage.repositories import OrderRepository
from storage.repositories.supplier_attempts import SupplierAttempt, SupplierAttemptRepository


class News(Enum):
    UNKNOWN = "unknown reference"  # no attempt of ours, or another supplier's reference
    SUPERSEDED = "superseded attempt"  # the order moved on: checked for a late fulfilment
    STALE = "no newer than what we hold"
    FRESH = "news"  # fetch the supplier's order and apply it


@dataclass(frozen=True, slots=True)
class Judged:
    news: News
    order: Order | None = None
    attempt: SupplierAttempt | None = None  # the order's current attempt
    named: SupplierAttempt | None = None  # the attempt the webhook names


async def judge(
    conn: aiosqlite.Connection,
    reference: str,
    supplier_order_id: str,
    version: int | None,
    supplier: str | None,
) -> Judged:
    """What a webhook naming `reference` means for our books. `supplier`: whose webhook it
    was (None: the single supplier's legacy route); `version` None: no version given."""
    attempts = SupplierAttemptRepository(conn)
    named = await attempts.by_reference(reference)
    if named is None or (supplier is not None and named.supplier != supplier):
        return Judged(News.UNKNOWN)
    order = await OrderRepository(conn).find_order(named.order_id)
    current = await attempts.current(named.order_id)
    if order is None or current is None or current.reference != reference:
        return Judged(News.SUPERSEDED, order, current, named)
    if (
        version is not None
        and order.supplier_order_id == supplier_order_id
        and version <= order.supplier_version
    ):
        return Judged(News.STALE, order, current, named)
    return Judged(News.FRESH, order, current, named)
