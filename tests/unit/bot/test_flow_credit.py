"""Store credit at checkout: the invoice asks for the rest, or a confirm button pays it all;
two quotes at once cannot reserve the same credit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiogram.methods import AnswerCallbackQuery, AnswerPreCheckoutQuery, SendInvoice, SendMessage
from aiogram.types import InlineKeyboardMarkup

from bot.keyboards.callbacks import Buy, OrderOpen, PayWithCredit
from storage.clock import to_db
from storage.models import Order, OrderStatus
from storage.repositories import CreditReason, CreditRepository, OrderRepository
from tests.unit.bot.harness import NOW, Harness, choose_us

UNIT = 1693  # ⭐ for the harness's $20.00 wholesale


async def grant(h: Harness, amount: int, user_id: int = 42) -> None:
    async with h.storage.db.transaction() as conn:
        await CreditRepository(conn).add_credit(
            user_id=user_id,
            amount=amount,
            currency="XTR",
            reason=CreditReason.ADJUSTMENT,
            now=NOW,
            actor_id=1000,
            note="test",
        )


async def balance(h: Harness, user_id: int = 42) -> int:
    async with h.storage.db.read() as conn:
        return await CreditRepository(conn).balance(user_id, "XTR")


async def order(h: Harness, order_id: str) -> Order:
    async with h.storage.db.read() as conn:
        return await OrderRepository(conn).get_order(order_id)


async def credit_quote(h: Harness, quantity: int = 2) -> str:
    """Buy with enough credit for the whole price: the confirm button's order id."""
    await h.press(Buy(sku="steam-us-20", quantity=quantity).pack())
    assert not h.session.of(SendInvoice), "credit covers it: no invoice"
    confirm = h.session.of(SendMessage)[0]
    assert isinstance(confirm.reply_markup, InlineKeyboardMarkup)
    [[button]] = confirm.reply_markup.inline_keyboard
    assert button.text == "✅ Pay with store credit" and button.callback_data is not None
    data = PayWithCredit.unpack(button.callback_data)
    h.clear()
    return data.order_id


async def test_partial_credit_lowers_the_invoice_and_is_spent_with_the_payment(
    h: Harness,
) -> None:
    await choose_us(h)
    await grant(h, 1000)
    await h.press(Buy(sku="steam-us-20", quantity=2).pack())
    [invoice] = h.session.of(SendInvoice)
    [price] = invoice.prices
    assert price.amount == 2 * UNIT - 1000
    assert "⭐ 1 000 of your store credit applied." in invoice.description
    assert price.label.endswith(", less ⭐ 1 000 credit") and len(price.label) <= 64
    quoted = await order(h, invoice.payload)
    assert (quoted.credit_used, quoted.amount_due) == (1000, 2 * UNIT - 1000)

    await h.pre_checkout(invoice.payload, 2 * UNIT)  # the full price is not what we asked
    await h.pre_checkout(invoice.payload, price.amount)
    refused, approved = h.session.of(AnswerPreCheckoutQuery)
    assert refused.ok is False and "does not match" in (refused.error_message or "")
    assert approved.ok is True
    await h.pay(invoice.payload, price.amount, "charge-1")
    assert h.fulfilment.scheduled == [invoice.payload]
    assert await balance(h) == 0
    paid = await order(h, invoice.payload)
    assert (paid.status, paid.paid_amount) == (OrderStatus.PAID, price.amount)


async def test_payment_of_the_full_price_after_credit_is_not_matched(h: Harness) -> None:
    await choose_us(h)
    await grant(h, 1000)
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    [invoice] = h.session.of(SendInvoice)
    await h.pay(invoice.payload, UNIT, "charge-2")
    assert h.refunder.calls == [(42, "charge-2")] and not h.fulfilment.scheduled
    assert await balance(h) == 1000, "no credit spent on an unmatched payment"


async def test_credit_covering_the_price_pays_with_one_confirm_press_only_once(
    h: Harness,
) -> None:
    await choose_us(h)
    await grant(h, 5000)
    order_id = await credit_quote(h)
    await h.press(PayWithCredit(order_id=order_id).pack())
    await h.press(PayWithCredit(order_id=order_id).pack())  # pressed twice
    assert h.fulfilment.scheduled == [order_id]
    received = f"✅ Payment received, order {order_id}: preparing your codes."
    assert [m.text for m in h.session.of(SendMessage)].count(received) == 1
    assert h.answers()[-1] == "This order is already paid."
    paid = await order(h, order_id)
    assert paid.status is OrderStatus.PAID
    assert (paid.telegram_payment_charge_id, paid.paid_amount) == (None, 0)
    assert await balance(h) == 5000 - 2 * UNIT
    async with h.storage.db.read() as conn:
        entries = await CreditRepository(conn).list_credits(42)
    assert [(e.reason, e.amount, e.order_id) for e in entries][-1] == (
        CreditReason.SPENT,
        -2 * UNIT,
        order_id,
    )


async def test_two_presses_at_once_pay_once(h: Harness) -> None:
    await choose_us(h)
    await grant(h, 5000)
    order_id = await credit_quote(h)
    data = PayWithCredit(order_id=order_id).pack()
    await asyncio.gather(h.press(data), h.press(data))
    assert h.fulfilment.scheduled == [order_id]
    assert await balance(h) == 5000 - 2 * UNIT


async def test_confirm_is_refused_to_another_user_when_expired_or_when_credit_is_gone(
    h: Harness,
) -> None:
    await choose_us(h)
    await choose_us(h, user_id=7)
    await grant(h, 5000)
    order_id = await credit_quote(h)
    await h.press(PayWithCredit(order_id=order_id).pack(), user_id=7)
    assert "someone else" in (h.answers()[-1] or "")

    await grant(h, -4000)  # support takes most of it back before the press
    await h.press(PayWithCredit(order_id=order_id).pack())
    assert "store credit has changed" in (h.answers()[-1] or "")

    await grant(h, 4000)
    async with h.storage.db.transaction() as conn:
        await conn.execute(
            "UPDATE orders SET quote_expires_at = ? WHERE id = ?",
            (to_db(datetime.now(UTC) - timedelta(seconds=1)), order_id),
        )
    await h.press(PayWithCredit(order_id=order_id).pack())
    assert "expired" in (h.answers()[-1] or "")
    assert not h.fulfilment.scheduled
    assert (await order(h, order_id)).status is OrderStatus.QUOTED
    assert await balance(h) == 5000


async def test_confirm_checks_the_supplier_like_a_pre_checkout(h: Harness) -> None:
    await choose_us(h)
    await grant(h, 5000)
    order_id = await credit_quote(h)
    h.supplier.stock["steam-us-20"] = ("out_of_stock", 0)
    await h.press(PayWithCredit(order_id=order_id).pack())
    [answer] = h.session.of(AnswerCallbackQuery)
    assert answer.show_alert and "run out of stock" in (answer.text or "")
    assert not h.fulfilment.scheduled and await balance(h) == 5000


async def test_two_quotes_at_once_cannot_reserve_the_same_credit(h: Harness) -> None:
    await choose_us(h)
    await grant(h, 2000)
    quotes = await asyncio.gather(
        *(h.checkout.quote(user_id=42, chat_id=42, sku="steam-us-20", quantity=1) for _ in range(3))
    )
    used = sorted(q.order.credit_used for q in quotes)
    assert used == [0, 2000 - UNIT, UNIT]


async def test_a_lapsed_or_dropped_quote_gives_its_credit_back(h: Harness) -> None:
    await choose_us(h)
    await grant(h, 1000)
    h.session.failing[SendInvoice] = "Bad Request: chat not found"
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    h.session.failing.clear()
    h.clear()
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    [invoice] = h.session.of(SendInvoice)
    assert invoice.prices[0].amount == UNIT - 1000, "the dropped quote held nothing"


async def test_orders_show_the_credit_balance_and_its_movements(h: Harness) -> None:
    await choose_us(h)
    await grant(h, 5000)
    order_id = await credit_quote(h, quantity=2)
    await h.press(PayWithCredit(order_id=order_id).pack())
    async with h.storage.db.transaction() as conn:
        await CreditRepository(conn).add_credit(
            user_id=42,
            amount=UNIT,
            currency="XTR",
            reason=CreditReason.UNFILLED_UNITS,
            order_id=order_id,
            now=NOW,
        )
    h.clear()
    await h.send("/orders")
    text, _ = h.last_screen()
    left = 5000 - 2 * UNIT + UNIT
    assert f"💳 Store credit: ⭐ {left:,}".replace(",", " ") in text
    credit_button = h.buttons()["💳 Your store credit"]
    await h.press(credit_button)
    screen, _ = h.last_screen()
    assert "Balance: <b>⭐ 3 307</b>" in screen
    movements = screen.split("Recent movements</b>\n")[1].splitlines()
    assert [m.split(" · ", 1)[1] for m in movements] == [
        f"<b>+⭐ 1 693</b> · earned: units of order {order_id} not supplied",
        f"<b>−⭐ 3 386</b> · spent on order {order_id}",
        "<b>+⭐ 5 000</b> · adjusted by support",
    ]
    assert "test" not in screen, "an admin's note stays with the admins"
    assert h.buttons() == {"« Back": "op:0"}
    await h.press(OrderOpen(order_id=order_id, page=0).pack())
    details, _ = h.last_screen()
    assert "Paid with store credit: ⭐ 3 386" in details


async def test_orders_show_the_credit_in_russian_and_nothing_without_credit(h: Harness) -> None:
    await choose_us(h)
    await h.send("/orders")
    text, _ = h.last_screen()
    assert "credit" not in text and "💳 Your store credit" not in h.buttons()
    await h.send("/start", user_id=8, language="ru")
    await grant(h, 250, user_id=8)
    await h.send("/orders", user_id=8, language="ru")
    text, _ = h.last_screen()
    assert "💳 Баланс магазина: ⭐ 250" in text
    await h.press(h.buttons()["💳 Баланс магазина"], user_id=8, language="ru")
    screen, _ = h.last_screen()
    assert "изменено поддержкой" in screen and "Последние операции" in screen


async def test_pre_checkout_declines_when_the_reserved_credit_is_gone(h: Harness) -> None:
    await choose_us(h)
    await grant(h, 1000)
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    [invoice] = h.session.of(SendInvoice)
    await grant(h, -600)  # e.g. the order that earned it was voided meanwhile
    await h.pre_checkout(invoice.payload, invoice.prices[0].amount)
    [answer] = h.session.of(AnswerPreCheckoutQuery)
    assert answer.ok is False and "store credit has changed" in (answer.error_message or "")
    async with h.storage.db.read() as conn:
        held = await OrderRepository(conn).units_held("steam-us-20", datetime.now(UTC))
    assert held == 0, "a declined quote holds no stock"
