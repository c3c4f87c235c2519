"""The supplier takes back delivered codes (test-refund-later): the customer is told, refunded
once, and /orders shows the codes as revoked."""

from __future__ import annotations

import asyncio

from bot.keyboards.callbacks import OrderOpen
from sandbox.telegram.driver import SandboxClient
from tests.support.shopper import Shopper, Supplier, buttons, text_of


async def test_a_supplier_refund_after_delivery_voids_the_order_and_refunds_it_once(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-refund-later", "Sandbox")
    paid = await shopper.pay(checkout)
    assert paid.status == "paid"
    delivery = await shopper.delivery(checkout)
    # The sandbox refunds this SKU seconds after completing it and says so by webhook.
    voided = await shopper.wait_text("revoked the codes", after=delivery["message_id"])
    assert "is being refunded" in text_of(voided)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None and issued["status"] == "refunded"

    async def refunds() -> list[str]:
        return [t["id"] for t in await telegram.star_transactions() if "receiver" in t]

    sent = await shopper.user.send("/orders")
    listing = await shopper.wait_text(checkout.order_id, after=sent["message_id"])
    shopper.screen = listing
    await shopper.user.press(
        listing["message_id"], data=OrderOpen(order_id=checkout.order_id, page=0).pack()
    )
    codes = await shopper.wait_text("no longer work", after=listing["message_id"])
    assert issued["codes"][0]["code"] in text_of(codes)
    assert not [b for b in buttons(codes) if "copy_text" in b], "a revoked code has no copy button"
    # The refund follows the notice within the same step; Telegram's ledger is another
    # process, so it is asked until a deadline.
    async with asyncio.timeout(10):
        while True:
            done = await refunds()
            if paid.charge_id in done:
                break
            await asyncio.sleep(0.1)
    assert done.count(paid.charge_id) == 1
