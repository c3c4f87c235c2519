"""Two in-process sandbox suppliers behind one router: their keys, secrets, and the
network the routing tests drive."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import aiohttp

from sandbox.supplier.server import RunningSandbox
from storage.repositories.supplier_attempts import SupplierAttempt, SupplierAttemptRepository
from supplier.models import Order as SupplierOrder
from supplier.router import SupplierRouter
from tests.support.shop import Shop

KEYS = {"alpha": "sk_alpha_key", "beta": "sk_beta_key"}


def secret(name: str) -> str:
    return "whsec_" + base64.b64encode(f"{name}-webhook-secret-key".encode()).decode()


@dataclass
class Network:
    sandboxes: dict[str, RunningSandbox]
    router: SupplierRouter
    shop: Shop

    async def control(self, name: str, path: str, body: dict[str, object]) -> None:
        """A sandbox control route (/sandbox/stock, /sandbox/balance) of supplier `name`."""
        headers = {"Authorization": f"Bearer {KEYS[name]}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.sandboxes[name].url + path, json=body, headers=headers) as response,
        ):
            response.raise_for_status()

    async def order_at(self, name: str, reference: str) -> SupplierOrder | None:
        return await self.router.member(name).client.find_order_by_reference(reference)

    async def attempts(self, order_id: str) -> list[SupplierAttempt]:
        async with self.shop.storage.db.read() as conn:
            return await SupplierAttemptRepository(conn).list_for(order_id)
