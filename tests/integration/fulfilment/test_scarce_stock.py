"""Scarce stock: shoppers racing for the last cards are declined at pre-checkout, before
paying, once this shop has promised every unit the supplier reports."""

from __future__ import annotations

import asyncio

from bot.services.checkout import RefusalReason
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
