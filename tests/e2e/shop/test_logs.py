"""The logs of a real run: no code, token, key or webhook secret in any line."""

from __future__ import annotations

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import Stack
from tests.e2e.secrets import leaked
from tests.support.shopper import Supplier, buy_instant


async def test_no_code_or_secret_in_any_log_line(
    telegram: SandboxClient, supplier: Supplier, stack: Stack
) -> None:
    checkout, codes = await buy_instant(telegram, supplier)
    logs = stack.logs()
    assert checkout.order_id in stack.log("bot"), "the bot did log this order"
    assert leaked(logs, stack.bot_env, codes) == []
