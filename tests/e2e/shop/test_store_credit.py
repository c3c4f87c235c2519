"""Store credit end to end: a partial fill's credit makes the next invoice cheaper by
exactly the credit, or pays a whole purchase through the confirm button (no invoice)."""

from __future__ import annotations

import re

from bot.keyboards.callbacks import Buy, PayWithCredit
from sandbox.telegram.driver import SandboxClient
from tests.support.shopper import JSON, Shopper, Supplier, buttons, text_of


def stars(text: str, label: str) -> int:
    """The Stars amount after `label` (`Price: ⭐ 1 234` → 1234)."""
    found = re.search(re.escape(label) + r"⭐ ([\d  ]+)", text)
    assert found, f"no {label!r} in {text!r}"
    return int(re.sub(r"\D", "", found.group(1)))


async def earn_credit(shopper: Shopper) -> int:
    """test-partial, 3 units: 1 is issued, 2 become store credit; /orders shows it."""
    await shopper.start()
    checkout = await shopper.checkout("test-partial", "Sandbox", quantity=3)
    assert (await shopper.pay(checkout)).status == "paid"
    delivery = await shopper.delivery(checkout)
    assert "2 units could not be supplied" in text_of(delivery)
    sent = await shopper.user.send("/orders")
    listing = await shopper.wait_text("Store credit:", after=sent["message_id"])
    return stars(text_of(listing), "Store credit: ")


async def card_price(shopper: Shopper, sku: str) -> int:
    await shopper.start()
    card = await shopper.open_product(sku, "Sandbox")
    return stars(text_of(card), "Price: ")


async def test_partial_fill_credit_makes_the_next_invoice_cheaper_by_exactly_the_credit(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    shopper = await Shopper.join(telegram)
    credit = await earn_credit(shopper)
    assert credit > 0
    unit = await card_price(shopper, "test-instant")
    assert 3 * unit > credit, "the credit covers only part of this purchase"
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox", quantity=3)
    invoice = checkout.invoice["invoice"]
    assert invoice["total_amount"] == 3 * unit - credit
    assert "store credit applied" in invoice["description"]
    paid = await shopper.pay(checkout)
    assert paid.status == "paid"
    delivery = await shopper.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None and len(issued["codes"]) == 3
    assert all(c["code"] in text_of(delivery) for c in issued["codes"])
    transactions = await telegram.star_transactions()
    [charge] = [t for t in transactions if t.get("id") == paid.charge_id and "source" in t]
    assert charge["amount"] == 3 * unit - credit, "Telegram charged the price less the credit"


async def test_a_purchase_paid_wholly_from_credit_delivers_codes_without_an_invoice(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    shopper = await Shopper.join(telegram)
    credit = await earn_credit(shopper)
    unit = await card_price(shopper, "test-instant")
    assert unit <= credit
    before = shopper.screen["message_id"]
    await shopper.user.press(before, data=Buy(sku="test-instant", quantity=1).pack())
    confirm = await shopper.user.wait_for(lambda m: bool(pay_buttons(m)), after=before)
    assert "covers the whole price" in text_of(confirm)
    [data] = pay_buttons(confirm)
    order_id = PayWithCredit.unpack(data).order_id
    await shopper.user.press(confirm["message_id"], data=data)
    await shopper.wait_text(f"Payment received, order {order_id}", after=confirm["message_id"])
    delivery = await shopper.wait_text(f"Your order {order_id}", after=confirm["message_id"])
    issued = await supplier.order_for(order_id)
    assert issued is not None and issued["status"] == "completed"
    assert issued["codes"][0]["code"] in text_of(delivery)
    chat = await shopper.user.chat()
    assert not any("invoice" in m for m in chat if m["message_id"] > before), "no invoice sent"
    sent = await shopper.user.send("/orders")
    listing = await shopper.wait_text("Store credit:", after=sent["message_id"])
    assert stars(text_of(listing), "Store credit: ") == credit - unit


def pay_buttons(message: JSON) -> list[str]:
    data = [str(b.get("callback_data", "")) for b in buttons(message)]
    return [d for d in data if d.startswith(PayWithCredit.__prefix__ + ":")]
