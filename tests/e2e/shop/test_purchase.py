"""Browse → pay → code, against the real bot, supplier sandbox and Telegram sandbox."""

from __future__ import annotations

import asyncio

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import Stack
from tests.support.shopper import JSON, Shopper, Supplier, buttons, text_of


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
    # Each price read raises test-price-drift by 1 %, whoever reads it: three lift it
    # past 2 % (the card's own reads are cached for seconds, so the test reads itself).
    for _ in range(3):
        await supplier.read_price("test-price-drift")
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


async def test_partial_fill_delivers_what_was_issued_and_credits_the_rest(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-partial", "Sandbox", quantity=2)
    assert (await shopper.pay(checkout)).status == "paid"
    delivery = await shopper.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None and issued["status"] == "partial"
    assert [c["code"] for c in issued["codes"]] == [
        b["copy_text"]["text"] for b in buttons(delivery) if "copy_text" in b
    ]
    assert "1 unit could not be supplied" in text_of(delivery)
    assert "store credit" in text_of(delivery)


async def test_failed_supplier_order_is_refunded(telegram: SandboxClient) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-fail", "Sandbox")
    paid = await shopper.pay(checkout)
    await shopper.wait_text("has been refunded", after=checkout.invoice["message_id"])
    refunds = [t for t in await telegram.star_transactions() if "receiver" in t]
    assert [t["id"] for t in refunds].count(paid.charge_id) == 1


async def test_chaotic_webhooks_still_deliver_once(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    """test-webhook-chaos: a badly signed event first, then each event twice, newest first."""
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-webhook-chaos", "Sandbox")
    assert (await shopper.pay(checkout)).status == "paid"
    await shopper.delivery(checkout)
    forged, replays = await _chaos_settled(supplier)
    assert forged["status_code"] == 401, "the bot rejects the bad signature"
    assert all(200 <= r["status_code"] < 300 for r in replays), "and acknowledges replays"
    chat = await shopper.user.chat()
    assert sum(f"Your order {checkout.order_id}" in text_of(m) for m in chat) == 1


async def _chaos_settled(supplier: Supplier) -> tuple[JSON, list[JSON]]:
    """The mis-signed delivery and the two genuine ones of the same event, once all were
    made. The sandbox runs in another process, so its log is polled until a deadline."""
    async with asyncio.timeout(20):
        while True:
            deliveries = await supplier.webhook_deliveries()
            forged = next((d for d in deliveries if not d["signature_valid"]), None)
            if forged is not None:
                replays = [
                    d
                    for d in deliveries
                    if d["event_id"] == forged["event_id"] and d["signature_valid"]
                ]
                if len(replays) >= 2:
                    return forged, replays
            await asyncio.sleep(0.1)
