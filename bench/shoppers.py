"""The end-to-end tests' Shopper, timed: every click → next screen and pay → code."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from bot.keyboards.callbacks import BrandOpen, Buy, Menu, MenuAction, ProductOpen, brand_key
from sandbox.telegram.driver import ChatUser, Predicate, SandboxClient, SandboxError
from tests.e2e.processes import SUPPLIER_API_KEY
from tests.support.shopper import JSON, Checkout, Shopper


@dataclass
class Timings:
    clicks: list[float] = field(default_factory=list)  # /start, each tap, Buy → invoice
    pay_to_code: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)  # why, for purchases not done


log = logging.getLogger(__name__)


# Under load (and on a shared machine) a step can take longer than the tests allow
# (10 s a screen, 20 s for codes): the benchmark measures slowness, it does not fail on it.
PATIENCE = 120.0


class PatientUser(ChatUser):
    async def wait_for(
        self,
        predicate: Predicate,
        timeout: float = PATIENCE,  # noqa: ASYNC109 - the driver's interface
        *,
        after: int | None = None,
    ) -> JSON:
        return await super().wait_for(predicate, max(timeout, PATIENCE), after=after)


class TimedShopper(Shopper):
    # Its own list: shoppers run concurrently, so a shared one would mix their clicks.
    clicks: list[float]

    async def tap(self, data: str, *, expect: str | None = None, text: str | None = None) -> JSON:
        began = time.perf_counter()
        screen = await super().tap(data, expect=expect, text=text)
        self.clicks.append(time.perf_counter() - began)
        return screen

    async def start(self, region: str = "US") -> JSON:
        # /start → the picker, then the region tap (timed by `tap` itself).
        began, taps_before = time.perf_counter(), len(self.clicks)
        screen = await super().start(region)
        taps = self.clicks[taps_before:]
        self.clicks.append(time.perf_counter() - began - sum(taps))
        return screen

    async def open_product(self, sku: str, brand: str) -> JSON:
        """As the tests' Shopper, but the card is the screen with Buy on it: the brand's
        screen also has a line break in it, so waiting on text could stop one screen early
        when a step is slow."""
        key = brand_key(brand)
        await self.tap(
            Menu(action=MenuAction.CATALOG).pack(), expect=BrandOpen(key=key, page=0).pack()
        )
        await self.tap(BrandOpen(key=key, page=0).pack(), expect=ProductOpen(sku=sku).pack())
        return await self.tap(ProductOpen(sku=sku).pack(), expect=Buy(sku=sku, quantity=1).pack())

    async def buy(self, sku: str, quantity: int = 1) -> JSON:
        began = time.perf_counter()
        invoice = await super().buy(sku, quantity)
        self.clicks.append(time.perf_counter() - began)
        return invoice


async def purchase(client: SandboxClient, timings: Timings, sku: str, brand: str) -> bool:
    """One customer: /start → region → Catalog → brand → card → Buy → Pay → the code.
    False (and the reason in `timings.failures`) if the purchase did not complete."""
    try:
        await _purchase(client, timings, sku, brand)
    except (TimeoutError, SandboxError, RuntimeError) as exc:
        log.warning("a purchase failed: %s", exc)
        timings.failures[str(exc).split(";")[0][:80]] += 1
        return False
    return True


async def _purchase(client: SandboxClient, timings: Timings, sku: str, brand: str) -> None:
    shopper = await TimedShopper.join(client)
    assert isinstance(shopper, TimedShopper)  # join() builds `cls`
    shopper.user = PatientUser(client, shopper.user.user)
    shopper.clicks = []
    try:
        await shopper.start()
        checkout: Checkout = await shopper.checkout(sku, brand)
    finally:
        timings.clicks.extend(shopper.clicks)
    began = time.perf_counter()
    paid = await shopper.pay(checkout)
    if paid.status != "paid":
        raise RuntimeError(f"payment {paid.status}: {paid.error_message}")
    await shopper.delivery(checkout)
    timings.pay_to_code.append(time.perf_counter() - began)


async def fund_supplier(supplier_url: str, usd: int) -> None:
    """Enough float at the supplier that no order fails for want of balance."""
    headers = {"Authorization": f"Bearer {SUPPLIER_API_KEY}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        body = {"amount": {"amount": usd * 100, "currency": "USD"}}
        async with http.post(f"{supplier_url}/sandbox/balance", json=body) as response:
            response.raise_for_status()
