"""Scarce stock: shoppers racing for the last cards are declined at pre-checkout, before
paying, once this shop has promised every unit the supplier reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.services.checkout import RefusalReason
from bot.services.quote_checks import check_hold
from sandbox.supplier.server import RunningSandbox
from storage.models import OrderStatus
from tests.support.shop import Shop, set_stock, shoppers

SKU = "test-instant"


async def test_eight_shoppers_on_five_cards_five_pay_three_are_declined_first(
    shop: Shop, sandbox: RunningSandbox
) -> None:
    await set_stock(sandbox, SKU, 5)
    users = await shoppers(shop, 8)
    quotes = [
        (await shop.checkout.quote(user_id=u, chat_id=u, sku=SKU, quantity=1)).order for u in users
    ]
    verdicts = await asyncio.gather(
        *(
            shop.checkout.pre_checkout(
                user_id=q.user_id, payload=q.id, currency="XTR", total_amount=q.amount_due
            )
            for q in quotes
        )
    )
    assert sum(v.ok for v in verdicts) == 5
    assert [v.reason for v in verdicts if not v.ok] == [RefusalReason.OUT_OF_STOCK] * 3

    approved = [q for q, v in zip(quotes, verdicts, strict=True) if v.ok]
    for quote in approved:
        await shop.pay(quote)
    done = await asyncio.gather(*(shop.fulfilment.fulfil(q.id) for q in approved))
    assert [o.status for o in done] == [OrderStatus.DELIVERED] * 5
    assert shop.refunder.refunded == [], "nobody paid for a card that was not there"
    assert (await shop.catalog.stock(SKU, fresh=True)).available == 0


async def test_placed_orders_are_counted_once_by_the_supplier_not_again_here(
    shop: Shop, sandbox: RunningSandbox
) -> None:
    await set_stock(sandbox, SKU, 3)
    placed = await shop.paid_order(SKU, quantity=2)
    assert (await shop.fulfilment.fulfil(placed.id)).status is OrderStatus.DELIVERED
    # The supplier now reports 1 left; the delivered order holds nothing more here.
    quote = (await shop.checkout.quote(user_id=4242, chat_id=4242, sku=SKU, quantity=1)).order
    verdict = await shop.checkout.pre_checkout(
        user_id=4242, payload=quote.id, currency="XTR", total_amount=quote.amount_due
    )
    assert verdict.ok


async def test_a_paid_order_waiting_to_be_placed_holds_its_units(
    shop: Shop, sandbox: RunningSandbox
) -> None:
    await set_stock(sandbox, SKU, 2)
    waiting = await shop.paid_order(SKU, quantity=2)  # paid; the supplier POST not made yet
    quote = (await shop.checkout.quote(user_id=4242, chat_id=4242, sku=SKU, quantity=1)).order
    verdict = await shop.checkout.pre_checkout(
        user_id=4242, payload=quote.id, currency="XTR", total_amount=quote.amount_due
    )
    assert verdict.reason is RefusalReason.OUT_OF_STOCK
    assert (await shop.fulfilment.fulfil(waiting.id)).status is OrderStatus.DELIVERED


async def test_a_unit_ordered_after_the_stock_was_read_is_not_promised_again(
    shop: Shop, sandbox: RunningSandbox
) -> None:
    """The stock figure is read before the approving transaction: an order placed in
    between is in neither the figure nor the promises, unless its placement counts."""
    await set_stock(sandbox, SKU, 1)
    first, second = await shoppers(shop, 2)
    late = (await shop.checkout.quote(user_id=second, chat_id=second, sku=SKU, quantity=1)).order
    read_at = datetime.now(UTC)  # the second shopper's pre-checkout reads "1 in stock" here
    early = (await shop.checkout.quote(user_id=first, chat_id=first, sku=SKU, quantity=1)).order
    placed = await shop.fulfilment.fulfil((await shop.pay(early)).id)
    assert placed.status is OrderStatus.DELIVERED  # the last unit is gone
    async with shop.storage.db.transaction() as conn:
        refusal = await check_hold(
            conn, late.id, second, available=1, now=datetime.now(UTC), read_at=read_at
        )
    assert refusal is RefusalReason.OUT_OF_STOCK
    # A figure read after that placement already reflects it: not counted a second time.
    async with shop.storage.db.transaction() as conn:
        refusal = await check_hold(
            conn, late.id, second, available=1, now=datetime.now(UTC), read_at=datetime.now(UTC)
        )
    assert refusal is None
