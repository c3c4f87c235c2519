"""Browse → pay → code, against the real bot, supplier sandbox and Telegram sandbox."""

from __future__ import annotations

import asyncio

from bot.sandbox.driver import SandboxClient
from tests.e2e.processes import Stack
from tests.e2e.shop.conftest import Shopper, Supplier, buttons, text_of


async def test_instant_card_is_delivered_with_the_code_the_supplier_issued(
    telegram: SandboxClient, supplier: Supplier, stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox", quantity=2)
    assert checkout.invoice["invoice"]["currency"] == "XTR"
    assert (await shopper.pay(checkout)).status == "paid"
    delivery = await shopper.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None and issued["status"] == "completed"
    codes = [c["code"] for c in issued["codes"]]
    assert len(codes) == 2 and all(code in text_of(delivery) for code in codes)
    spoilers = [e for e in delivery.get("entities", []) if e["type"] == "spoiler"]
    assert len(spoilers) >= 2, "each code is hidden behind a spoiler"
    copies = [b["copy_text"]["text"] for b in buttons(delivery) if "copy_text" in b]
    assert copies == codes
    bot_log = stack.log("bot")
    assert checkout.order_id in bot_log, "the bot logs its orders..."
    assert not any(code in bot_log for code in codes), "...but never a code"


async def test_real_catalog_card_is_bought_and_delivered(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start("US")
    card = await shopper.open_product("steam-us-20", "Steam")
    assert "Works only on US accounts" in text_of(card)
    assert "⭐" in text_of(card)
    await shopper.start("US")  # back home, as a customer who looked first
    checkout = await shopper.checkout("steam-us-20", "Steam")
    assert (await shopper.pay(checkout)).status == "paid"
    delivery = await shopper.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None
    assert issued["codes"][0]["code"] in text_of(delivery)


async def test_pending_order_says_processing_then_delivers(telegram: SandboxClient) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-pending", "Sandbox")
    assert (await shopper.pay(checkout)).status == "paid"
    processing = await shopper.wait_text(
        "supplier is preparing your codes", after=checkout.invoice["message_id"]
    )
    delivery = await shopper.delivery(checkout)
    assert delivery["message_id"] > processing["message_id"]


async def test_out_of_stock_card_offers_no_buy(telegram: SandboxClient) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    card = await shopper.open_product("test-oos", "Sandbox")
    assert "Out of stock" in text_of(card)
    assert not any(b.get("callback_data", "").startswith("buy:") for b in buttons(card))


async def test_price_rise_past_the_tolerance_is_declined_at_pre_checkout(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-price-drift", "Sandbox")
    # Each price read raises test-price-drift by 1 %: three refreshes lift it past 2 %.
    for _ in range(3):
        await shopper.user.press(shopper.screen["message_id"], text="🔄 Refresh")
    paid = await shopper.pay(checkout)
    assert paid.status == "declined"
    assert paid.error_message and "price has changed" in paid.error_message
    assert await supplier.order_for(checkout.order_id) is None, "nothing was bought"


async def test_declined_order_is_refunded_once(telegram: SandboxClient) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-decline", "Sandbox")
    paid = await shopper.pay(checkout)
    assert paid.status == "paid"
    await shopper.wait_text("refunded", after=checkout.invoice["message_id"])
    transactions = await telegram.star_transactions()
    refunds = [t for t in transactions if t.get("id") == paid.charge_id and "receiver" in t]
    assert len(refunds) == 1, transactions


async def test_a_repeated_payment_update_makes_one_order(telegram: SandboxClient) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox")
    paid = await shopper.pay(checkout)
    assert paid.update_id is not None
    await shopper.delivery(checkout)
    await telegram.redeliver(paid.update_id)
    # The redelivered update is handled before this later /orders (updates are in order).
    sent = await shopper.user.send("/orders")
    listing = await shopper.wait_text(checkout.order_id, after=sent["message_id"])
    assert text_of(listing).count(checkout.order_id) == 1
    chat = await shopper.user.chat()
    assert sum(f"Your order {checkout.order_id}" in text_of(m) for m in chat) == 1
    refunds = [t for t in await telegram.star_transactions() if "receiver" in t]
    assert all(t.get("id") != paid.charge_id for t in refunds)


async def test_two_customers_buying_at_once_get_different_codes(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    ann, bob = await Shopper.join(telegram), await Shopper.join(telegram)

    async def purchase(shopper: Shopper) -> str:
        await shopper.start()
        checkout = await shopper.checkout("steam-us-10", "Steam")
        assert (await shopper.pay(checkout)).status == "paid"
        await shopper.delivery(checkout)
        return checkout.order_id

    orders = await asyncio.gather(purchase(ann), purchase(bob))
    codes = []
    for order_id in orders:
        issued = await supplier.order_for(order_id)
        assert issued is not None
        codes.append(issued["codes"][0]["code"])
    assert codes[0] != codes[1]
    ann_chat = " ".join(text_of(m) for m in await ann.user.chat())
    assert codes[0] in ann_chat and codes[1] not in ann_chat


async def test_a_customer_cannot_open_another_customers_order(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    owner, intruder = await Shopper.join(telegram), await Shopper.join(telegram)
    await owner.start()
    checkout = await owner.checkout("test-instant", "Sandbox")
    assert (await owner.pay(checkout)).status == "paid"
    await owner.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None
    code = issued["codes"][0]["code"]

    menu = await intruder.start()
    forged = f"o:{checkout.order_id}:0"  # the owner's "open order" button
    pressed = await intruder.user.press(menu["message_id"], data=forged, forged=True)
    assert pressed.answer  # a polite answer, and nothing else
    sent = await intruder.user.send("/orders")
    await intruder.user.wait_for(lambda m: True, after=sent["message_id"])
    seen = " ".join(text_of(m) + str(m.get("reply_markup")) for m in await intruder.user.chat())
    assert code not in seen and checkout.order_id not in seen


async def test_russian_customer_reads_russian(telegram: SandboxClient) -> None:
    shopper = await Shopper.join(telegram, language="ru")
    sent = await shopper.user.send("/start")
    greeting = await shopper.user.wait_for(
        lambda m: "Привет" in text_of(m), after=sent["message_id"]
    )
    assert "Выберите регион" in text_of(greeting)
