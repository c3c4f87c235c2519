"""Buy → invoice → pre-checkout → successful payment, over a real database."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, AnswerPreCheckoutQuery, SendInvoice, SendMessage

from bot.keyboards.callbacks import Buy
from storage.models import OrderStatus
from storage.repositories import OrderRepository
from storage.store import Storage
from tests.unit.bot.harness import Harness, choose_us


async def buy(h: Harness, quantity: int = 2) -> SendInvoice:
    await choose_us(h)
    await h.press(Buy(sku="steam-us-20", quantity=quantity).pack())
    [invoice] = h.session.of(SendInvoice)
    return invoice


async def test_buy_sends_a_stars_invoice_whose_payload_is_the_order(h: Harness) -> None:
    invoice = await buy(h)
    assert invoice.currency == "XTR"
    assert invoice.provider_token is None
    assert len(invoice.title) <= 32 and len(invoice.description) <= 255
    assert "2 × Steam Gift Card 20 US" in invoice.description
    [price] = invoice.prices
    async with h.storage.db.read() as conn:
        order = await OrderRepository(conn).get_order(invoice.payload)
    assert order.status is OrderStatus.QUOTED
    assert (order.quantity, order.user_id) == (2, 42)
    assert price.amount == order.total_price == 2 * 1693
    assert order.invoice_message_id is not None
    held = h.session.of(SendMessage)[-1].text
    assert f"Order {order.id}: this price is held for 15 minutes." in held


async def test_quantity_above_stock_is_refused_politely(h: Harness) -> None:
    await choose_us(h)
    h.supplier.stock["steam-us-20"] = ("low", 1)
    await h.press(Buy(sku="steam-us-20", quantity=3).pack())
    assert not h.session.of(SendInvoice)
    [answer] = h.session.of(AnswerCallbackQuery)
    assert answer.show_alert and "Try fewer" in (answer.text or "")


async def test_purchase_cap_is_explained(h: Harness) -> None:
    await choose_us(h)
    for _ in range(6):
        await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    assert len(h.session.of(SendInvoice)) == 5
    assert "Please wait a minute" in (h.session.of(AnswerCallbackQuery)[-1].text or "")


async def test_pre_checkout_ok_then_payment_schedules_fulfilment_once(h: Harness) -> None:
    invoice = await buy(h)
    amount = invoice.prices[0].amount
    await h.pre_checkout(invoice.payload, amount)
    [answer] = h.session.of(AnswerPreCheckoutQuery)
    assert answer.ok is True
    await h.pay(invoice.payload, amount, "charge-1")
    await h.pay(invoice.payload, amount, "charge-1")  # Telegram repeats the update
    assert h.fulfilment.scheduled == [invoice.payload]
    replies = [m.text for m in h.session.of(SendMessage)]
    assert (
        replies.count(f"✅ Payment received, order {invoice.payload}: preparing your codes.") == 1
    )


async def test_pre_checkout_refuses_with_a_customer_friendly_reason(h: Harness) -> None:
    invoice = await buy(h)
    await h.pre_checkout(invoice.payload, invoice.prices[0].amount + 1)
    await h.pre_checkout(invoice.payload, invoice.prices[0].amount, user_id=7)
    first, second = h.session.of(AnswerPreCheckoutQuery)
    assert first.ok is False and "does not match" in (first.error_message or "")
    assert second.ok is False and "someone else" in (second.error_message or "")


async def test_payment_naming_no_order_is_kept_for_support_and_explained(h: Harness) -> None:
    await choose_us(h)
    await h.pay("GBNOSUCHORDER", 100, "charge-9")
    # It may belong to another database on this token: a person decides, nothing goes back.
    assert h.refunder.calls == []
    assert not h.fulfilment.scheduled
    assert "Support will contact you" in h.session.of(SendMessage)[-1].text


async def test_payment_messages_are_never_throttled(storage: Storage) -> None:
    from tests.unit.bot.harness import product_data

    h = Harness(storage, throttle="0.001")
    await h.add_products(product_data("steam-us-20"))
    await h.send("/start")
    await h.press("r:US")
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    for _ in range(5):
        await h.send("/start")  # exhaust the bucket
    [invoice] = h.session.of(SendInvoice)
    await h.pay(invoice.payload, invoice.prices[0].amount, "charge-2")
    assert h.fulfilment.scheduled == [invoice.payload]
