"""Two real `giftbot supplier-sandbox` processes as two suppliers of one real bot: their
names, keys and secrets, the network the end-to-end routing tests start, and each
supplier seen over HTTP."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import aiohttp

from tests.e2e.processes import Stack, _base_env, _spawn, wait_until_ready

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


class SupplierHttp:
    """One supplier as it says itself, over HTTP with its own key."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def order(self, reference: str) -> JSON | None:
        async with self._session.get("/v1/orders", params={"reference": reference}) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return dict(await response.json())

    async def price(self, sku: str) -> int:
        async with self._session.get(f"/v1/prices/{sku}") as response:
            response.raise_for_status()
            return int((await response.json())["unit_price"]["amount"])

    async def set_stock(self, sku: str, available: int) -> None:
        body = {"sku": sku, "available": available}
        async with self._session.post("/sandbox/stock", json=body) as response:
            response.raise_for_status()

    async def webhook_deliveries(self) -> list[JSON]:
        async with self._session.get("/sandbox/webhook-deliveries") as response:
            response.raise_for_status()
            return list((await response.json())["items"])
