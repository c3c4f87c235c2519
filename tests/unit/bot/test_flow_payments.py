"""successful_payment through the real routers: stored in any chat, applied or classified,
and the customer told what happens to the money."""

from __future__ import annotations

import asyncio
import json

from aiogram.methods import SendInvoice, SendMessage

from bot.keyboards.callbacks import Buy
from bot.services.payments import IncomingPayment, PaymentIntake, PaymentSource
from storage.models import OrderStatus, Payment
from storage.repositories import OrderRepository, PaymentRepository, PaymentStatus
from storage.store import Storage
from tests.unit.bot.harness import NOW, Harness, choose_us, product_data

RECEIVED = "✅ Payment received, order {}: preparing your codes."
GROUP = -100123


async def quote(h: Harness) -> SendInvoice:
    await choose_us(h)
    await h.press(Buy(sku="steam-us-20", quantity=1).pack())
    return h.session.of(SendInvoice)[-1]


async def payment(h: Harness, charge: str) -> Payment:
    async with h.storage.db.read() as conn:
        found = await PaymentRepository(conn).find(charge)
    assert found is not None, f"payment {charge} was not stored"
    return found


async def status_of(h: Harness, order_id: str) -> OrderStatus:
    async with h.storage.db.read() as conn:
        return (await OrderRepository(conn).get_order(order_id)).status


async def alerts(h: Harness) -> list[dict[str, object]]:
    async with h.storage.db.read() as conn:
        cursor = await conn.execute("SELECT chat_id, payload FROM outbox WHERE kind = 'alert'")
        return [{"chat": r[0], **json.loads(r[1])} for r in await cursor.fetchall()]


async def test_invoice_paid_in_a_group_is_recorded_and_fulfilled(h: Harness) -> None:
    # A customer forwards their invoice to a group and pays it there: the private-chat
    # filter used to drop the update, leaving the money in limbo until the ledger.
    invoice = await quote(h)
    amount = invoice.prices[0].amount
    await h.pay(invoice.payload, amount, "charge-g", group_id=GROUP)
    assert (await payment(h, "charge-g")).status == PaymentStatus.APPLIED
    assert await status_of(h, invoice.payload) is OrderStatus.PAID
    assert h.fulfilment.scheduled == [invoice.payload]
    [reply] = [m for m in h.session.of(SendMessage) if m.chat_id == GROUP]
    assert reply.text == RECEIVED.format(invoice.payload)


async def test_someone_else_paying_my_invoice_in_a_group_is_refunded_once(h: Harness) -> None:
    invoice = await quote(h)
    amount = invoice.prices[0].amount
    await h.pay(invoice.payload, amount, "charge-x", user_id=77, group_id=GROUP)
    await h.pay(invoice.payload, amount, "charge-x", user_id=77, group_id=GROUP)  # repeated
    assert h.refunder.calls == [(77, "charge-x")]
    assert (await payment(h, "charge-x")).status == PaymentStatus.REFUNDED
    assert await status_of(h, invoice.payload) is OrderStatus.QUOTED  # still the owner's
    assert not h.fulfilment.scheduled
    replies = [m.text for m in h.session.of(SendMessage) if m.chat_id == GROUP]
    assert replies == ["↩️ We could not match this payment to an order. It is being refunded."]


async def test_second_payment_of_one_quote_is_refunded_once_the_first_applied(
    h: Harness,
) -> None:
    invoice = await quote(h)
    amount = invoice.prices[0].amount
    await h.pay(invoice.payload, amount, "charge-1")
    await h.pay(invoice.payload, amount, "charge-2")
    await h.pay(invoice.payload, amount, "charge-2")
    assert h.fulfilment.scheduled == [invoice.payload]
    assert h.refunder.calls == [(42, "charge-2")]
    assert (await payment(h, "charge-1")).status == PaymentStatus.APPLIED
    assert (await payment(h, "charge-2")).status == PaymentStatus.REFUNDED
    texts = [m.text for m in h.session.of(SendMessage)]
    assert texts.count(RECEIVED.format(invoice.payload)) == 1
    assert "It is being refunded" in texts[-1]


async def test_wrong_amount_is_refunded_and_the_quote_stays_payable(h: Harness) -> None:
    invoice = await quote(h)
    await h.pay(invoice.payload, invoice.prices[0].amount - 1, "charge-short")
    assert h.refunder.calls == [(42, "charge-short")]
    assert await status_of(h, invoice.payload) is OrderStatus.QUOTED


async def test_payment_naming_no_order_alerts_admins_and_refunds_nothing(
    storage: Storage,
) -> None:
    h = Harness(storage, admin_ids="1000,1001")
    await h.add_products(product_data("steam-us-20"))
    await h.pay("GBFROMANOTHERDB", 300, "charge-old")
    assert h.refunder.calls == []
    stored = await payment(h, "charge-old")
    assert (stored.status, stored.order_id, stored.source) == ("unmatched", None, "update")
    sent = await alerts(h)
    assert {a["chat"] for a in sent} == {1000, 1001}
    assert {(a["alert"], a["subject"], a["amount"]) for a in sent} == {
        ("unmatched_payment", "charge-old", 300)
    }
    assert "Support will contact you" in h.session.of(SendMessage)[-1].text


async def test_card_payment_is_never_refunded_through_telegram(storage: Storage) -> None:
    h = Harness(storage, admin_ids="1000")
    await h.add_products(product_data("steam-us-20"))
    invoice = await quote(h)
    # Names an order here that cannot take it (wrong currency): a person refunds it.
    await h.pay(invoice.payload, 2000, "card-1", currency="USD")
    # Names nothing here: kept for a person too.
    await h.pay("GBNOSUCHORDER", 2000, "card-2", currency="USD")
    assert h.refunder.calls == []
    assert (await payment(h, "card-1")).status == PaymentStatus.REFUND_DUE
    assert (await payment(h, "card-2")).status == PaymentStatus.REFUND_DUE
    assert sorted((a["alert"], a["subject"]) for a in await alerts(h)) == [
        ("refund_due", "card-1"),
        ("refund_due", "card-2"),
    ]
    texts = [m.text for m in h.session.of(SendMessage)]
    assert sum("Support will contact you" in t for t in texts) == 2


async def test_payment_the_ledger_took_first_is_not_handled_again(h: Harness) -> None:
    invoice = await quote(h)
    amount = invoice.prices[0].amount
    intake = PaymentIntake(h.storage.db, h.refunder, admin_ids=())
    taken = await intake.take(
        IncomingPayment(
            "charge-l", None, 42, "XTR", amount, invoice.payload, NOW, PaymentSource.LEDGER
        )
    )
    assert taken.is_new and taken.status is PaymentStatus.APPLIED
    h.clear()
    await h.pay(invoice.payload, amount, "charge-l")  # the update arrives after all
    assert h.session.calls == [] and h.fulfilment.scheduled == []
    assert (await payment(h, "charge-l")).source == "ledger"


async def test_live_update_and_ledger_at_once_handle_the_payment_once(h: Harness) -> None:
    invoice = await quote(h)
    amount = invoice.prices[0].amount
    intake = PaymentIntake(h.storage.db, h.refunder, admin_ids=())
    ledger_copy = IncomingPayment(
        "charge-both", None, 42, "XTR", amount, invoice.payload, NOW, PaymentSource.LEDGER
    )
    _, taken = await asyncio.gather(
        h.pay(invoice.payload, amount, "charge-both"), intake.take(ledger_copy)
    )
    live_scheduled = h.fulfilment.scheduled == [invoice.payload]
    # Exactly one of the two doors took it: the other found the charge stored.
    assert live_scheduled != taken.is_new
    assert h.refunder.calls == []
    async with h.storage.db.read() as conn:
        cursor = await conn.execute("SELECT count(*) FROM payments")
        assert tuple(await cursor.fetchone() or ()) == (1,)
