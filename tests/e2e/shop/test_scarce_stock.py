"""Eight shoppers at once on a card with five in stock: five pay and get codes, three are
declined at the payment sheet before paying, and nobody needs a refund."""

from __future__ import annotations

import asyncio

from sandbox.telegram.driver import SandboxClient
from tests.support.shopper import Checkout, Shopper, Supplier

SKU, BRAND = "roblox-global-10", "Roblox"  # no other test buys it


async def test_the_sixth_shopper_is_declined_before_paying(
    telegram: SandboxClient, supplier: Supplier
) -> None:
    await supplier.set_stock(SKU, 5)
    shoppers = [await Shopper.join(telegram) for _ in range(8)]

    async def to_invoice(shopper: Shopper) -> Checkout:
        await shopper.start()
        return await shopper.checkout(SKU, BRAND)

    checkouts = await asyncio.gather(*(to_invoice(s) for s in shoppers))
    results = await asyncio.gather(*(s.pay(c) for s, c in zip(shoppers, checkouts, strict=True)))
    statuses = sorted(r.status for r in results)
    assert statuses == ["declined"] * 3 + ["paid"] * 5
    declined = [r for r in results if r.status == "declined"]
    assert all("run out of stock" in (r.error_message or "") for r in declined)

    paid = [
        (s, c) for s, c, r in zip(shoppers, checkouts, results, strict=True) if r.status == "paid"
    ]
    for shopper, checkout in paid:
        await shopper.delivery(checkout)
        issued = await supplier.order_for(checkout.order_id)
        assert issued is not None and issued["status"] == "completed"
    refunded = {t["id"] for t in await telegram.star_transactions() if "receiver" in t}
    assert not refunded & {r.charge_id for r in results}, "nobody was refunded"
