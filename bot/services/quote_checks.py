"""Whether a quote may still be paid: the checks pre-checkout and the store-credit
confirm share, and the reasons a customer is told when the answer is no.

The supplier is asked outside any transaction (network); what depends on this shop's
own books (the quote still open, units already promised, credit still there) is checked
inside the write transaction that approves the quote, so two approvals cannot both take
the last unit or the same credit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.services.pricing import within_tolerance
from storage.models import Order, OrderStatus
from storage.repositories import CreditRepository, OrderRepository
from storage.repositories.held_codes import HeldStockQueries
from supplier.errors import SupplierError
from supplier.models import Balance
from supplier.port import SupplierPort

log = logging.getLogger(__name__)

# Telegram cancels a payment whose pre_checkout_query is unanswered after 10 s; the
# supplier checks get well under that, so the answer always goes out in time.
PRE_CHECKOUT_BUDGET_SECONDS = 6.0
SUPPLIER_CALL_DEADLINE_SECONDS = 4.0


class RefusalReason(StrEnum):
    UNKNOWN_PRODUCT = "unknown_product"
    OUT_OF_STOCK = "out_of_stock"
    QUANTITY = "quantity"
    TOO_MANY_PURCHASES = "too_many_purchases"
    SUPPLIER_UNAVAILABLE = "supplier_unavailable"
    UNKNOWN_ORDER = "unknown_order"
    NOT_YOURS = "not_yours"
    ALREADY_PAID = "already_paid"
    EXPIRED = "expired"
    PRICE_CHANGED = "price_changed"
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY = "currency"  # no conversion from the wholesale currency to the payment one
    CREDIT_CHANGED = "credit_changed"  # the credit the quote reserved is gone
    PLAYER_ID = "player_id"  # a top-up quoted without a player id, or a card with one


class CheckoutRefused(Exception):
    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: RefusalReason | None = None


def check_quote(order: Order | None, user_id: int, now: datetime) -> RefusalReason | None:
    """The quote exists, is this user's, and is open and in time."""
    if order is None:
        return RefusalReason.UNKNOWN_ORDER
    if order.user_id != user_id:
        return RefusalReason.NOT_YOURS
    if order.status is not OrderStatus.QUOTED:
        return (
            RefusalReason.EXPIRED
            if order.status is OrderStatus.EXPIRED
            else RefusalReason.ALREADY_PAID
        )
    if order.quote_expires_at <= now:
        return RefusalReason.EXPIRED
    return None


async def credit_available(
    conn: aiosqlite.Connection, user_id: int, currency: str, now: datetime
) -> int:
    """Store credit not yet promised to an open quote; never below zero (a void reversal
    can leave the ledger short)."""
    return max(0, await _credit_unpromised(conn, user_id, currency, now))


async def _credit_unpromised(
    conn: aiosqlite.Connection, user_id: int, currency: str, now: datetime
) -> int:
    balance = await CreditRepository(conn).balance(user_id, currency)
    reserved = await OrderRepository(conn).credit_reserved(user_id, currency, now)
    return balance - reserved


async def check_hold(
    conn: aiosqlite.Connection,
    order_id: str,
    user_id: int,
    available: int | None,
    now: datetime,
    *,
    read_at: datetime,
) -> RefusalReason | None:
    """Inside the write transaction that approves the quote: it is still open, its units
    fit the supplier's stock figure (`available`, read at `read_at`; None: no count given)
    less what this shop has promised already or ordered since that read, and the credit
    it reserved is still there."""
    orders = OrderRepository(conn)
    order = await orders.find_order(order_id)
    refusal = check_quote(order, user_id, now)
    if refusal is not None or order is None:
        return refusal or RefusalReason.UNKNOWN_ORDER
    if available is not None:
        # Held codes sell too; counted here, in the transaction, as the promises are.
        available += await HeldStockQueries(conn).count_sellable(order.sku, now)
        held = await orders.units_held(order.sku, now, excluding=order.id, placed_since=read_at)
        if held + order.quantity > available:
            log.info("%s: %d units held, %d in stock", order.sku, held, available)
            return RefusalReason.OUT_OF_STOCK
    # The reservations counted include this quote's own: the ledger must still cover
    # them all, or this quote's share is gone (the balance fell since the quote).
    if order.credit_used and await _credit_unpromised(conn, user_id, order.currency, now) < 0:
        return RefusalReason.CREDIT_CHANGED
    return None


async def supplier_verdict(
    supplier: SupplierPort,
    order: Order,
    balance: Callable[[], Awaitable[Balance]],
    *,
    held: int = 0,
) -> tuple[Verdict, int | None]:
    """The supplier's verdict on charging for `order` now, and its stock figure (0 when
    out of stock). Stock and price are read live; `balance` may be a recent reading (our
    float changes with our own orders, and a short one fails the order into a refund, not
    a loss). `held`: pre-purchased codes of the SKU, which cover what they can."""
    try:
        async with asyncio.timeout(PRE_CHECKOUT_BUDGET_SECONDS):
            return await _ask_supplier(supplier, order, balance, held)
    except (TimeoutError, SupplierError) as exc:
        log.warning("pre-checkout of %s: supplier unavailable (%s)", order.id, exc.__class__)
        return Verdict(False, RefusalReason.SUPPLIER_UNAVAILABLE), None


async def _ask_supplier(
    supplier: SupplierPort,
    order: Order,
    read_balance: Callable[[], Awaitable[Balance]],
    held: int,
) -> tuple[Verdict, int | None]:
    deadline = SUPPLIER_CALL_DEADLINE_SECONDS
    stock, price, balance = await asyncio.gather(
        supplier.get_stock(order.sku, deadline=deadline),
        supplier.get_price(order.sku, deadline=deadline),
        read_balance(),
    )
    figure = 0 if stock.status == "out_of_stock" else stock.available
    if figure is not None and figure + held < order.quantity:
        return Verdict(False, RefusalReason.OUT_OF_STOCK), figure
    if price.unit_price.currency != order.wholesale_currency or not within_tolerance(
        order.wholesale_unit_price, price.unit_price.amount
    ):
        return Verdict(False, RefusalReason.PRICE_CHANGED), figure
    # Held codes that cover the order need no float at the supplier.
    if (
        held < order.quantity
        and balance.available.amount < price.unit_price.amount * order.quantity
    ):
        # Our float at the supplier is short: not the customer's problem to hear about.
        log.error("supplier balance too low for order %s", order.id)
        return Verdict(False, RefusalReason.SUPPLIER_UNAVAILABLE), figure
    return Verdict(True), figure


def paid_by_credit(order: Order | None, user_id: int) -> bool:
    """Whether `order` is this user's and was already paid through the credit button."""
    return (
        order is not None
        and order.user_id == user_id
        and order.status not in (OrderStatus.QUOTED, OrderStatus.EXPIRED)
        and order.telegram_payment_charge_id is None
        and order.paid_at is not None
    )
