"""A customer and the supplier as end-to-end tests drive them: over HTTP, through the
Telegram sandbox's driver and the sandbox supplier's API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.keyboards.callbacks import (
    BrandOpen,
    Buy,
    Menu,
    MenuAction,
    ProductOpen,
    RegionPick,
    brand_key,
)
from sandbox.telegram.driver import ChatUser, PaymentResult, SandboxClient

JSON = dict[str, Any]
_user_ids = itertools.count(9_000_001)
# The one admin in the console suite's ADMIN_IDS (its own stack).
ADMIN_ID = 9_200_001


class Supplier:
    """What the supplier itself says, to check the bot against."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def order_for(self, order_id: str, attempt: int = 1) -> JSON | None:
        """The supplier's order for our order's attempt n (reference `<order id>-<n>`)."""
        return await self.order(f"{order_id}-{attempt}")

    async def order(self, reference: str) -> JSON | None:
        async with self._session.get("/v1/orders", params={"reference": reference}) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return dict(await response.json())

    async def read_price(self, sku: str) -> JSON:
        async with self._session.get(f"/v1/prices/{sku}") as response:
            response.raise_for_status()
            return dict(await response.json())

    async def set_stock(self, sku: str, available: int) -> None:
        body = {"sku": sku, "available": available}
        async with self._session.post("/sandbox/stock", json=body) as response:
            response.raise_for_status()

    async def webhook_deliveries(self) -> list[JSON]:
        async with self._session.get("/sandbox/webhook-deliveries") as response:
            response.raise_for_status()
            return list((await response.json())["items"])


def text_of(message: JSON) -> str:
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: JSON) -> list[JSON]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass(frozen=True)
class Checkout:
    order_id: str
    invoice: JSON  # the invoice message


class Shopper:
    """A customer in the chat: the steps a person takes, each waiting for the bot's answer."""

    def __init__(self, user: ChatUser) -> None:
        self.user = user
        self.screen: JSON = {}  # the message the bot keeps editing in place

    @classmethod
    async def join(cls, telegram: SandboxClient, language: str = "en") -> Shopper:
        return cls(await telegram.create_user(next(_user_ids), "Ann", language))

    async def start(self, region: str = "US") -> JSON:
        """/start; pick `region` if the bot asks (it asks once, then remembers)."""
        sent = await self.user.send("/start")
        home = Menu(action=MenuAction.CATALOG).pack()

        def picker_or_home(message: JSON) -> bool:
            data = [b.get("callback_data", "") for b in buttons(message)]
            return home in data or any(d.startswith("r:") for d in data)

        self.screen = await self.user.wait_for(picker_or_home, after=sent["message_id"])
        if home in [b.get("callback_data") for b in buttons(self.screen)]:
            return self.screen
        return await self.tap(RegionPick(region=region).pack(), expect=home)

    async def tap(self, data: str, *, expect: str | None = None, text: str | None = None) -> JSON:
        """Press a button on the current screen and wait until the screen shows `expect`
        (a button's callback data) or `text`."""
        await self.user.press(self.screen["message_id"], data=data)

        def arrived(message: JSON) -> bool:
            if message["message_id"] != self.screen["message_id"]:
                return False
            if expect is not None and expect not in [
                b.get("callback_data") for b in buttons(message)
            ]:
                return False
            return text is None or text in text_of(message)

        self.screen = await self.user.wait_for(arrived)
        return self.screen

    async def open_product(self, sku: str, brand: str) -> JSON:
        """Home → Catalog → brand → the product card."""
        await self.tap(
            Menu(action=MenuAction.CATALOG).pack(),
            expect=BrandOpen(key=brand_key(brand), page=0).pack(),
        )
        await self.tap(
            BrandOpen(key=brand_key(brand), page=0).pack(), expect=ProductOpen(sku=sku).pack()
        )
        # The card, not the brand list it came from: only the card leads back to the brand.
        return await self.tap(
            ProductOpen(sku=sku).pack(), expect=BrandOpen(key=brand_key(brand), page=0).pack()
        )

    async def buy(self, sku: str, quantity: int = 1) -> JSON:
        """Press Buy on the card; the invoice arrives as a new message."""
        before = self.screen["message_id"]
        await self.user.press(before, data=Buy(sku=sku, quantity=quantity).pack())
        return await self.user.wait_for(lambda m: "invoice" in m, after=before)

    async def checkout(self, sku: str, brand: str, quantity: int = 1) -> Checkout:
        """From the home screen to an unpaid invoice; the order id is in the note under it."""
        await self.open_product(sku, brand)
        invoice = await self.buy(sku, quantity)
        note = await self.wait_text("this price is held", after=invoice["message_id"] - 1)
        order_id = text_of(note).split("Order ")[1].split(":")[0]
        return Checkout(order_id=order_id, invoice=invoice)

    async def pay(self, checkout: Checkout) -> PaymentResult:
        return await self.user.pay(checkout.invoice["message_id"])

    async def delivery(self, checkout: Checkout) -> JSON:
        """The message that carries the order's codes."""
        return await self.wait_text(
            f"Your order {checkout.order_id}", after=checkout.invoice["message_id"]
        )

    async def wait_text(self, fragment: str, after: int = 0) -> JSON:
        """A bot message containing `fragment` (pending orders take a few seconds)."""
        return await self.user.wait_for(lambda m: fragment in text_of(m), 20, after=after)


async def buy_instant(
    telegram: SandboxClient, supplier: Supplier, quantity: int = 2
) -> tuple[Checkout, list[str]]:
    """A new customer buys test-instant cards: the order and the codes the supplier issued."""
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox", quantity=quantity)
    assert (await shopper.pay(checkout)).status == "paid"
    await shopper.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None
    return checkout, [c["code"] for c in issued["codes"]]


async def reply(user: ChatUser, text: str, fragment: str) -> dict[str, Any]:
    """Send `text` and wait (20 s at most) for the bot's answer containing `fragment`."""
    sent = await user.send(text)
    return await user.wait_for(lambda m: fragment in text_of(m), 20, after=sent["message_id"])
