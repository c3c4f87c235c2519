"""Store credit from a partial fill is spent on the next purchase: part of an invoice, or
the whole price through the confirm button, and the codes are delivered either way."""

from __future__ import annotations

from storage.models import OrderStatus
from storage.repositories import CodeRepository, CreditReason, CreditRepository
from tests.support.shop import USER_ID, Shop


async def balance(shop: Shop) -> int:
    async with shop.storage.db.read() as conn:
        return await CreditRepository(conn).balance(USER_ID, "XTR")


async def partial_fill_credit(shop: Shop) -> int:
    """test-partial, 3 units: the sandbox issues 1, the other 2 become store credit."""
    order = await shop.paid_order("test-partial", quantity=3)
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.PARTIAL and done.fulfilled_quantity == 1
    assert await balance(shop) == done.credited_amount == 2 * order.unit_price
    return done.credited_amount


async def test_partial_fill_credit_makes_the_next_invoice_cheaper_by_exactly_that(
    shop: Shop,
) -> None:
    credit = await partial_fill_credit(shop)
    quote = (
        await shop.checkout.quote(user_id=USER_ID, chat_id=USER_ID, sku="test-instant", quantity=3)
    ).order
    assert quote.total_price > credit
    assert (quote.credit_used, quote.amount_due) == (credit, quote.total_price - credit)
    verdict = await shop.checkout.pre_checkout(
        user_id=USER_ID, payload=quote.id, currency="XTR", total_amount=quote.amount_due
    )
    assert verdict.ok
    paid = await shop.pay(quote, "charge-credit")
    assert paid.paid_amount == quote.amount_due
    assert (await shop.settle(quote.id)).status is OrderStatus.DELIVERED
    assert await balance(shop) == 0


async def test_a_purchase_paid_wholly_from_credit_is_delivered(shop: Shop) -> None:
    credit = await partial_fill_credit(shop)
    quote = (
        await shop.checkout.quote(user_id=USER_ID, chat_id=USER_ID, sku="test-instant", quantity=1)
    ).order
    assert quote.total_price <= credit and quote.amount_due == 0
    record = await shop.checkout.pay_with_credit(user_id=USER_ID, order_id=quote.id)
    assert record.is_new and record.order.status is OrderStatus.PAID
    again = await shop.checkout.pay_with_credit(user_id=USER_ID, order_id=quote.id)
    assert not again.is_new
    done = await shop.settle(quote.id)
    assert done.status is OrderStatus.DELIVERED
    async with shop.storage.db.read() as conn:
        codes = await CodeRepository(conn, shop.storage.cipher).list_codes(quote.id)
        entries = await CreditRepository(conn).list_credits(USER_ID)
    assert len(codes) == 1
    spent = [e for e in entries if e.reason == CreditReason.SPENT]
    assert [(e.order_id, e.amount) for e in spent] == [(quote.id, -quote.total_price)]
    assert await balance(shop) == credit - quote.total_price
    assert shop.refunder.refunded == []
