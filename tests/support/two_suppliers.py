"""Two real `giftbot supplier-sandbox` processes as two suppliers of one real bot: their
names, keys and secrets, the network the end-to-end routing tests start, and each
supplier seen over HTTP."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from tests.e2e.processes import Stack, _base_env, _spawn, wait_until_ready
from tests.support.shopper import Supplier

JSON = dict[str, object]
SUPPLIERS = {"alpha": 1.0, "beta": 1.05}  # name -> price factor; file order = priority


def key(name: str) -> str:
    return f"sk_e2e_{name}"


def secret(name: str) -> str:
    return "whsec_" + base64.b64encode(f"e2e-{name}-webhook-secret".encode()).decode()


@dataclass
class Network:
    stack: Stack
    urls: dict[str, str]  # supplier name -> base URL

    def start_supplier(self, name: str) -> None:
        """(Re)start supplier `name` on its port and wait until it answers."""
        port = self.urls[name].rsplit(":", 1)[1]
        args = ["supplier-sandbox", "--port", port, "--api-key", key(name)]
        args += ["--webhook-url", f"{self.stack.bot_url}/supplier/webhook/{name}"]
        args += ["--webhook-secret", secret(name), "--price-factor", str(SUPPLIERS[name])]
        args += ["--state-file", str(self.stack.workdir / f"{name}.json")]
        env = {**_base_env(), "SANDBOX_PENDING_DELAY_SECONDS": "1"}
        _spawn(self.stack, name, args, env | {"SANDBOX_WEBHOOK_TIME_SCALE": "100"})
        wait_until_ready(f"{self.urls[name]}/openapi.json", self.stack.processes[name], name)


class SupplierHttp(Supplier):
    """One supplier as it says itself, over HTTP with its own key."""

    async def price(self, sku: str) -> int:
        return int((await self.read_price(sku))["unit_price"]["amount"])
