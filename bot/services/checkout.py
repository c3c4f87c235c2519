"""From Buy to a stored payment: price quotes, pre-checkout checks, payment records.

The quote is an order in status `quoted` whose id is the invoice payload. It reserves the
customer's store credit (the invoice asks only for the rest; credit covering everything
is confirmed with a button instead). Pre-checkout re-checks it against the live supplier
within Telegram's 10 s window and holds its units against the supplier's stock figure; a
successful payment is stored (unique on the charge id) before anything else happens.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.services.catalog import CatalogService
from bot.services.pricing import PriceRules, UnsupportedCurrency
from bot.services.quote_checks import (
    SUPPLIER_CALL_DEADLINE_SECONDS,
    check_hold,
    check_quote,
    credit_available,
    paid_by_credit,
    supplier_verdict,
)

# Re-exported: callers know them as checkout's.
from bot.services.quote_checks import CheckoutRefused as CheckoutRefused
from bot.services.quote_checks import RefusalReason as RefusalReason
from bot.services.quote_checks import Verdict as Verdict
from bot.services.recent_value import RecentValue
from storage.clock import utcnow
from storage.database import Database
from storage.models import NewOrder, Order, OrderStatus, Product
from storage.repositories import OrderRepository
from storage.repositories.held_codes import HeldStockQueries
from supplier.errors import SkuNotFound, SupplierError
from supplier.port import SupplierPort

log = logging.getLogger(__name__)

QUOTE_TTL = timedelta(minutes=15)
MAX_QUANTITY = 10
# Units approved at pre-checkout are held this long against the supplier's stock figure:
# Telegram sends the payment seconds after the approval; a shopper who walks away
# releases them soon. Once paid, the order holds its units until it is placed.
STOCK_HOLD = timedelta(minutes=2)
# The product card shows a price read at most this long ago: a rush of shoppers opening
# the same card costs one supplier call per SKU every few seconds, not one each. Prices
# move with FX over minutes; what is charged is the live price read at quote time and
# re-checked at pre-checkout, never this.
CARD_PRICE_TTL_SECONDS = 5.0
BALANCE_TTL_SECONDS = 5.0
_ORDER_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud to support


@dataclass(frozen=True, slots=True)
class Quote:
    order: Order
    product: Product


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
        supplier: SupplierPort,
        catalog: CatalogService,
        rules: PriceRules,
        *,
        purchases_per_minute: int,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._supplier = supplier
        self._catalog = catalog
        self._rules = rules
        self._purchases_per_minute = purchases_per_minute
        self._clock = clock
        self._monotonic = monotonic
        # sku → (when read, wholesale amount, its currency): the last live price seen.
        self._card_prices: dict[str, tuple[float, int, str]] = {}
        # Our float at the supplier, shared by pre-checkouts for a few seconds: a rush of
        # payments costs one balance call per window (stock and price stay live).
        self._balance = RecentValue(
            partial(supplier.get_balance, deadline=SUPPLIER_CALL_DEADLINE_SECONDS),
            BALANCE_TTL_SECONDS,
            monotonic=monotonic,
        )

    @property
    def currency(self) -> str:
        return self._rules.payment_currency

    async def unit_price(self, sku: str) -> int | None:
        """Today's retail price of one unit, for the product card (read live at most
        CARD_PRICE_TTL_SECONDS ago); None if unknown now. The price charged is the quote
        taken at Buy time, not this. CheckoutRefused (CURRENCY) when the supplier prices
        it in a currency we cannot convert."""
        cached = self._card_prices.get(sku)
        if cached is None or self._monotonic() - cached[0] >= CARD_PRICE_TTL_SECONDS:
            try:
                price = await self._supplier.get_price(sku, deadline=SUPPLIER_CALL_DEADLINE_SECONDS)
            except SupplierError as exc:
                log.warning("price of %s unavailable: %s", sku, type(exc).__name__)
                return None
            cached = self._seen_price(sku, price.unit_price.amount, price.unit_price.currency)
        return self._retail(sku, cached[1], cached[2])

    def _seen_price(self, sku: str, wholesale: int, currency: str) -> tuple[float, int, str]:
        seen = (self._monotonic(), wholesale, currency)
        self._card_prices[sku] = seen
        return seen

    def _retail(self, sku: str, wholesale: int, currency: str) -> int:
        try:
            return self._rules.retail_unit_price(wholesale, currency)
        except UnsupportedCurrency as exc:
            # A configuration gap (a new supplier currency), not the customer's doing.
            log.error("cannot price %s: %s", sku, exc)
            raise CheckoutRefused(RefusalReason.CURRENCY) from None

    async def quote(
        self,
        *,
        user_id: int,
        chat_id: int,
        sku: str,
        quantity: int,
        player_id: str | None = None,
        player_name: str | None = None,
    ) -> Quote:
        """Price `quantity` units of `sku` now and store the quote as a new order.
        A top-up takes one pack and the player id it credits (validated by the caller);
        a gift card takes none."""
        product = await self._catalog.find_product(sku)
        if product is None or not product.active:
            raise CheckoutRefused(RefusalReason.UNKNOWN_PRODUCT)
        if product.is_topup != (player_id is not None):
            raise CheckoutRefused(RefusalReason.PLAYER_ID)
        if product.is_topup and quantity != 1:
            raise CheckoutRefused(RefusalReason.QUANTITY)
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
        self._seen_price(sku, price.unit_price.amount, price.unit_price.currency)
        unit_price = self._retail(sku, price.unit_price.amount, price.unit_price.currency)
        currency = self._rules.payment_currency
        # The credit read and the insert share one write transaction: a second quote at
        # the same moment sees this one's reservation and cannot spend the same credit.
        async with self._db.transaction() as conn:
            available = await credit_available(conn, user_id, currency, now)
            new = NewOrder(
                id=new_order_id(),
                user_id=user_id,
                chat_id=chat_id,
                sku=sku,
                quantity=quantity,
                currency=currency,
                unit_price=unit_price,
                wholesale_unit_price=price.unit_price.amount,
                wholesale_currency=price.unit_price.currency,
                quote_expires_at=now + QUOTE_TTL,
                credit_used=min(available, unit_price * quantity),
                player_id=player_id,
                player_name=player_name,
            )
            order = await OrderRepository(conn).create_order(new, now)
        if order.credit_used:
            log.info("quote %s uses %d of store credit", order.id, order.credit_used)
        return Quote(order=order, product=product)

    async def drop_quote(self, order_id: str) -> None:
        """Expire a quote the customer never got (the invoice could not be sent), so it
        holds no credit and cannot be paid; a quote already paid is left alone."""
        async with self._db.transaction() as conn:
            orders = OrderRepository(conn)
            order = await orders.find_order(order_id)
            if order is not None and order.status is OrderStatus.QUOTED:
                await orders.transition(
                    order_id,
                    expected=[OrderStatus.QUOTED],
                    to=OrderStatus.EXPIRED,
                    now=self._clock(),
                    reason="invoice not sent",
                )

    async def attach_invoice(self, order_id: str, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await OrderRepository(conn).set_invoice_message(order_id, message_id)

    async def pre_checkout(
        self, *, user_id: int, payload: str, currency: str, total_amount: int
    ) -> Verdict:
        """Answer Telegram's pre_checkout_query: is this quote still good to charge?
        Approved, its units are held against the supplier's stock for STOCK_HOLD."""
        order, held = await self._quote_and_held(payload)
        refusal = check_quote(order, user_id, self._clock())
        if (
            refusal is None
            and order is not None
            and (currency, total_amount) != (order.currency, order.amount_due)
        ):
            refusal = RefusalReason.AMOUNT_MISMATCH
        if refusal is not None or order is None:
            return Verdict(False, refusal or RefusalReason.UNKNOWN_ORDER)
        read_at = self._clock()  # before the stock figure is read (check_hold)
        verdict, available = await supplier_verdict(
            self._supplier, order, self._balance.get, held=held
        )
        if not verdict.ok:
            return verdict
        now = self._clock()
        async with self._db.transaction() as conn:
            refusal = await check_hold(conn, order.id, user_id, available, now, read_at=read_at)
            if refusal is None:
                await OrderRepository(conn).reserve_stock(order.id, now + STOCK_HOLD)
        if refusal is not None:
            log.info("pre-checkout of %s declined: %s", order.id, refusal.value)
            return Verdict(False, refusal)
        return Verdict(True)

    async def _quote_and_held(self, order_id: str) -> tuple[Order | None, int]:
        """The quote and the pre-purchased codes of its SKU, in one read."""
        async with self._db.read() as conn:
            order = await OrderRepository(conn).find_order(order_id)
            if order is None:
                return None, 0
            return order, await HeldStockQueries(conn).count_sellable(order.sku, self._clock())

    async def pay_with_credit(self, *, user_id: int, order_id: str) -> PaymentRecord:
        """The confirm button of a quote store credit covers whole: the same checks as a
        pre-checkout, then paid from credit in the same transaction as the last of them.
        Pressed again after it paid: the stored order, is_new False."""
        order, held = await self._quote_and_held(order_id)
        if paid_by_credit(order, user_id) and order is not None:
            return PaymentRecord(order=order, is_new=False)
        refusal = check_quote(order, user_id, self._clock())
        if refusal is None and order is not None and order.amount_due != 0:
            refusal = RefusalReason.AMOUNT_MISMATCH
        if refusal is not None or order is None:
            raise CheckoutRefused(refusal or RefusalReason.UNKNOWN_ORDER)
        read_at = self._clock()  # before the stock figure is read (check_hold)
        verdict, available = await supplier_verdict(
            self._supplier, order, self._balance.get, held=held
        )
        if not verdict.ok:
            raise CheckoutRefused(verdict.reason or RefusalReason.SUPPLIER_UNAVAILABLE)
        now = self._clock()
        async with self._db.transaction() as conn:
            orders = OrderRepository(conn)
            fresh = await orders.find_order(order_id)
            if paid_by_credit(fresh, user_id) and fresh is not None:
                return PaymentRecord(order=fresh, is_new=False)  # a press that raced this one
            refusal = await check_hold(conn, order_id, user_id, available, now, read_at=read_at)
            if refusal is not None:
                raise CheckoutRefused(refusal)
            paid = await orders.mark_paid(
                order_id, telegram_charge_id=None, provider_charge_id=None, amount=0, now=now
            )
        log.info("order %s paid with store credit", paid.id)
        return PaymentRecord(order=paid, is_new=True)
