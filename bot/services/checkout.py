"""From Buy to a stored payment: price quotes, pre-checkout checks, payment records.

The quote is an order in status `quoted` whose id is the invoice payload; pre-checkout
re-checks it against the live supplier within Telegram's 10 s window; a successful
payment is stored (unique on the charge id) before anything else happens.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.services.catalog import CatalogService
from bot.services.pricing import PriceRules, within_tolerance
from storage.clock import utcnow
from storage.database import Database
from storage.errors import AlreadyExists, ConcurrentUpdate
from storage.models import NewOrder, Order, OrderStatus, Product
from storage.repositories import OrderRepository
from supplier.client import SupplierClient
from supplier.errors import SkuNotFound, SupplierError

log = logging.getLogger(__name__)

QUOTE_TTL = timedelta(minutes=15)
MAX_QUANTITY = 10
# Telegram cancels a payment whose pre_checkout_query is unanswered after 10 s; the
# supplier checks get well under that, so the answer always goes out in time.
PRE_CHECKOUT_BUDGET_SECONDS = 6.0
SUPPLIER_CALL_DEADLINE_SECONDS = 4.0
_ORDER_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud to support


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


class CheckoutRefused(Exception):
    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Quote:
    order: Order
    product: Product


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: RefusalReason | None = None


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    order: Order
    is_new: bool  # False: this charge was stored before (a repeated update)


def new_order_id() -> str:
    return "GB" + "".join(secrets.choice(_ORDER_ID_ALPHABET) for _ in range(10))


def allowed_quantity(product: Product, available: int | None) -> int:
    """1 to the smallest of the product's max, the stock on hand, and MAX_QUANTITY."""
    limit = min(product.max_quantity, MAX_QUANTITY)
    return max(0, min(limit, available)) if available is not None else limit


class CheckoutService:
    def __init__(
        self,
        db: Database,
        supplier: SupplierClient,
        catalog: CatalogService,
        rules: PriceRules,
        *,
        purchases_per_minute: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._supplier = supplier
        self._catalog = catalog
        self._rules = rules
        self._purchases_per_minute = purchases_per_minute
        self._clock = clock

    @property
    def currency(self) -> str:
        return self._rules.payment_currency

    async def unit_price(self, sku: str) -> int | None:
        """Today's retail price of one unit, for the product card; None if unknown now.
        The price charged is the quote taken at Buy time, not this."""
        try:
            price = await self._supplier.get_price(sku, deadline=SUPPLIER_CALL_DEADLINE_SECONDS)
        except SupplierError as exc:
            log.warning("price of %s unavailable: %s", sku, type(exc).__name__)
            return None
        return self._rules.retail_unit_price(price.unit_price.amount, price.unit_price.currency)

    async def quote(self, *, user_id: int, chat_id: int, sku: str, quantity: int) -> Quote:
        """Price `quantity` units of `sku` now and store the quote as a new order."""
        product = await self._catalog.find_product(sku)
        if product is None or not product.active:
            raise CheckoutRefused(RefusalReason.UNKNOWN_PRODUCT)
        now = self._clock()
        async with self._db.read() as conn:
            recent = await OrderRepository(conn).count_orders_created_since(
                user_id, now - timedelta(minutes=1)
            )
        if recent >= self._purchases_per_minute:
            raise CheckoutRefused(RefusalReason.TOO_MANY_PURCHASES)
        stock = await self._catalog.stock(sku, fresh=True)
        if not stock.purchasable:
            raise CheckoutRefused(
                RefusalReason.SUPPLIER_UNAVAILABLE
                if stock.status == "unknown"
                else RefusalReason.OUT_OF_STOCK
            )
        if not 1 <= quantity <= allowed_quantity(product, stock.available):
            raise CheckoutRefused(RefusalReason.QUANTITY)
        try:
            price = await self._supplier.get_price(sku, deadline=SUPPLIER_CALL_DEADLINE_SECONDS)
        except SkuNotFound:
            raise CheckoutRefused(RefusalReason.UNKNOWN_PRODUCT) from None
        except SupplierError as exc:
            log.warning("price of %s unavailable: %s", sku, type(exc).__name__)
            raise CheckoutRefused(RefusalReason.SUPPLIER_UNAVAILABLE) from None
        unit_price = self._rules.retail_unit_price(
            price.unit_price.amount, price.unit_price.currency
        )
        new = NewOrder(
            id=new_order_id(),
            user_id=user_id,
            chat_id=chat_id,
            sku=sku,
            quantity=quantity,
            currency=self._rules.payment_currency,
            unit_price=unit_price,
            wholesale_unit_price=price.unit_price.amount,
            wholesale_currency=price.unit_price.currency,
            quote_expires_at=now + QUOTE_TTL,
        )
        async with self._db.transaction() as conn:
            order = await OrderRepository(conn).create_order(new, now)
        return Quote(order=order, product=product)

    async def attach_invoice(self, order_id: str, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await OrderRepository(conn).set_invoice_message(order_id, message_id)

    async def pre_checkout(
        self, *, user_id: int, payload: str, currency: str, total_amount: int
    ) -> Verdict:
        """Answer Telegram's pre_checkout_query: is this quote still good to charge?"""
        async with self._db.read() as conn:
            order = await OrderRepository(conn).find_order(payload)
        refusal = self._check_quote(order, user_id, currency, total_amount)
        if refusal is not None or order is None:
            return Verdict(False, refusal or RefusalReason.UNKNOWN_ORDER)
        try:
            async with asyncio.timeout(PRE_CHECKOUT_BUDGET_SECONDS):
                return await self._check_supplier(order)
        except (TimeoutError, SupplierError) as exc:
            log.warning("pre-checkout of %s: supplier unavailable (%s)", order.id, exc.__class__)
            return Verdict(False, RefusalReason.SUPPLIER_UNAVAILABLE)

    def _check_quote(
        self, order: Order | None, user_id: int, currency: str, total_amount: int
    ) -> RefusalReason | None:
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
        if order.quote_expires_at <= self._clock():
            return RefusalReason.EXPIRED
        if (currency, total_amount) != (order.currency, order.total_price):
            return RefusalReason.AMOUNT_MISMATCH
        return None

    async def _check_supplier(self, order: Order) -> Verdict:
        deadline = SUPPLIER_CALL_DEADLINE_SECONDS
        stock, price, balance = await asyncio.gather(
            self._supplier.get_stock(order.sku, deadline=deadline),
            self._supplier.get_price(order.sku, deadline=deadline),
            self._supplier.get_balance(deadline=deadline),
        )
        if stock.status == "out_of_stock" or (
            stock.available is not None and stock.available < order.quantity
        ):
            return Verdict(False, RefusalReason.OUT_OF_STOCK)
        if price.unit_price.currency != order.wholesale_currency or not within_tolerance(
            order.wholesale_unit_price, price.unit_price.amount
        ):
            return Verdict(False, RefusalReason.PRICE_CHANGED)
        if balance.available.amount < price.unit_price.amount * order.quantity:
            # Our float at the supplier is short: not the customer's problem to hear about.
            log.error("supplier balance too low for order %s", order.id)
            return Verdict(False, RefusalReason.SUPPLIER_UNAVAILABLE)
        return Verdict(True)

    async def record_payment(
        self,
        *,
        user_id: int,
        payload: str,
        currency: str,
        total_amount: int,
        telegram_charge_id: str,
        provider_charge_id: str | None,
    ) -> PaymentRecord | None:
        """Store a successful payment first of all. None: the payment matches no payable
        order of this user (the caller refunds it)."""
        now = self._clock()
        async with self._db.transaction() as conn:
            orders = OrderRepository(conn)
            seen = await orders.find_order_by_charge(telegram_charge_id)
            if seen is not None:
                return PaymentRecord(order=seen, is_new=False)
            order = await orders.find_order(payload)
            if (
                order is None
                or order.user_id != user_id
                or (currency, total_amount) != (order.currency, order.total_price)
            ):
                log.error("payment %s matches no order of user %s", telegram_charge_id, user_id)
                return None
            try:
                paid = await orders.mark_paid(
                    order.id,
                    telegram_charge_id=telegram_charge_id,
                    provider_charge_id=provider_charge_id,
                    amount=total_amount,
                    now=now,
                )
            except (AlreadyExists, ConcurrentUpdate):
                log.error("order %s was paid twice; charge %s", order.id, telegram_charge_id)
                return None
        log.info("order %s paid", paid.id)
        return PaymentRecord(order=paid, is_new=True)
