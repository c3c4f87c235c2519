"""Buy and the product card when something breaks: the invoice cannot be sent, or the card
cannot be priced. The customer is told, the button stops spinning, no quote is left open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.methods import AnswerCallbackQuery, AnswerPreCheckoutQuery, SendInvoice, SendMessage

from bot.keyboards.callbacks import Buy, ProductOpen
from storage.clock import to_db
from storage.models import OrderStatus
from storage.repositories import OrderRepository
from tests.unit.bot.harness import Harness, choose_us


async def orders_of(h: Harness, user_id: int = 42) -> list[OrderStatus]:
    async with h.storage.db.read() as conn:
        orders = await OrderRepository(conn).list_orders_for_user(
            user_id, limit=10, include_quotes=True
        )
    return [o.status for o in orders]


async def test_a_failing_invoice_is_explained_and_its_quote_expired(h: Harness) -> None:
    await choose_us(h)
    h.session.failing[SendInvoice] = "Bad Request: PAYMENT_PROVIDER_INVALID"
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    [answer] = h.session.of(AnswerCallbackQuery)
    assert answer.show_alert
    assert answer.text == "We could not send the invoice. Please try again in a minute."
    assert not h.session.of(SendMessage), "no 'price is held' note for an invoice never sent"
    assert await orders_of(h) == [OrderStatus.EXPIRED]


async def test_a_failing_invoice_is_explained_in_russian(h: Harness) -> None:
    await h.send("/start", language="ru")
    await h.press("r:US", language="ru")
    h.clear()
    h.session.failing[SendInvoice] = "Bad Request: chat not found"
    await h.press(Buy(sku="steam-us-20", quantity=1).pack(), language="ru")
    [answer] = h.session.of(AnswerCallbackQuery)
    assert answer.text == "Не удалось отправить счёт. Попробуйте ещё раз через минуту."


async def test_an_unpriceable_card_cannot_be_bought_and_says_why(h: Harness) -> None:
    await choose_us(h)
    h.supplier.currency = "EUR"  # no conversion from EUR is configured
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    [answer] = h.session.of(AnswerCallbackQuery)
    assert answer.show_alert and "cannot be priced" in (answer.text or "")
    assert not h.session.of(SendInvoice)
    assert await orders_of(h) == [], "no quote was created"


async def test_an_unpriceable_product_card_shows_no_buy_button_and_says_why(h: Harness) -> None:
    await choose_us(h)
    h.supplier.currency = "EUR"
    await h.press(ProductOpen(sku="steam-us-20").pack())
    text, _ = h.last_screen()
    assert "price unavailable" in text
    assert not any(data.startswith("buy:") for data in h.buttons().values())
    [answer] = h.session.of(AnswerCallbackQuery)
    assert "cannot be priced" in (answer.text or "")


async def _quote(h: Harness, quantity: int, user_id: int = 42) -> tuple[str, int]:
    """An invoice's payload and amount."""
    await h.press(Buy(sku="steam-us-20", quantity=quantity).pack(), user_id=user_id)
    invoice = h.session.of(SendInvoice)[-1]
    return invoice.payload, invoice.prices[0].amount


async def test_pre_checkout_counts_units_already_promised(h: Harness) -> None:
    await choose_us(h)
    await choose_us(h, user_id=7)
    h.supplier.stock["steam-us-20"] = ("low", 3)
    first = await _quote(h, 2)
    second = await _quote(h, 2, user_id=7)
    await h.pre_checkout(*first)
    await h.pre_checkout(*second, user_id=7)
    approved, declined = h.session.of(AnswerPreCheckoutQuery)
    assert approved.ok is True
    assert declined.ok is False and "run out of stock" in (declined.error_message or "")

    # The first shopper walked away: once the hold lapses the units are free again.
    async with h.storage.db.transaction() as conn:
        await conn.execute(
            "UPDATE orders SET reserved_until = ? WHERE id = ?",
            (to_db(datetime.now(UTC) - timedelta(seconds=1)), first[0]),
        )
    await h.pre_checkout(*second, user_id=7)
    assert h.session.of(AnswerPreCheckoutQuery)[-1].ok is True


async def test_a_paid_order_not_yet_placed_still_holds_its_units(h: Harness) -> None:
    await choose_us(h)
    h.supplier.stock["steam-us-20"] = ("low", 3)
    first = await _quote(h, 2)
    second = await _quote(h, 2)
    await h.pre_checkout(*first)
    await h.pay(*first, "charge-1")
    async with h.storage.db.transaction() as conn:  # long after the pre-checkout hold
        await conn.execute("UPDATE orders SET reserved_until = NULL WHERE id = ?", (first[0],))
    await h.pre_checkout(*second)
    assert h.session.of(AnswerPreCheckoutQuery)[-1].ok is False
