"""The end-to-end tests' Shopper, timed: every click → next screen and pay → code."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import aiohttp

from bot.sandbox.driver import ChatUser, Predicate, SandboxClient
from tests.e2e.processes import SUPPLIER_API_KEY
from tests.e2e.shop.conftest import JSON, Checkout, Shopper


@dataclass
class Timings:
    clicks: list[float] = field(default_factory=list)  # /start, each tap, Buy → invoice
    pay_to_code: list[float] = field(default_factory=list)


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
    timings: Timings

    async def tap(self, data: str, *, expect: str | None = None, text: str | None = None) -> JSON:
        began = time.perf_counter()
        screen = await super().tap(data, expect=expect, text=text)
        self.timings.clicks.append(time.perf_counter() - began)
        return screen

    async def start(self, region: str = "US") -> JSON:
        # /start → the picker, then the region tap (timed by `tap` itself).
        began, taps_before = time.perf_counter(), len(self.timings.clicks)
        screen = await super().start(region)
        taps = self.timings.clicks[taps_before:]
        self.timings.clicks.append(time.perf_counter() - began - sum(taps))
        return screen

    async def buy(self, sku: str, quantity: int = 1) -> JSON:
        began = time.perf_counter()
        invoice = await super().buy(sku, quantity)
        self.timings.clicks.append(time.perf_counter() - began)
        return invoice


async def purchase(client: SandboxClient, timings: Timings, sku: str, brand: str) -> None:
    """One customer: /start → region → Catalog → brand → card → Buy → Pay → the code."""
    shopper = await TimedShopper.join(client)
    assert isinstance(shopper, TimedShopper)  # join() builds `cls`
    shopper.user = PatientUser(client, shopper.user.user)
    shopper.timings = timings
    await shopper.start()
    checkout: Checkout = await shopper.checkout(sku, brand)
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
