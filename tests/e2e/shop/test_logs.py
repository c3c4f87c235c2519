"""The logs of a real run: no code, token, key or webhook secret in any line."""

from __future__ import annotations

from bot.sandbox.driver import SandboxClient
from tests.e2e.processes import Stack
from tests.e2e.secrets import leaked
from tests.e2e.shop.conftest import Shopper, Supplier


async def test_no_code_or_secret_in_any_log_line(
    telegram: SandboxClient, supplier: Supplier, stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox", quantity=2)
    assert (await shopper.pay(checkout)).status == "paid"
    await shopper.delivery(checkout)
    issued = await supplier.order_for(checkout.order_id)
    assert issued is not None
    codes = [c["code"] for c in issued["codes"]]
    logs = stack.logs()
    assert checkout.order_id in stack.log("bot"), "the bot did log this order"
    assert leaked(logs, stack.bot_env, codes) == []
