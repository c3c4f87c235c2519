"""Helpers for tests of the sandbox supplier's HTTP app: settings, calls, a webhook receiver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.service import SERVICE_KEY, SandboxService
from supplier.models import Balance
from supplier.settings import SANDBOX_API_KEY

AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
WAIT = 5.0  # upper bound for awaiting an event; tests normally finish far sooner

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


def fast_config(**overrides: Any) -> SandboxConfig:
    values: dict[str, Any] = {
        "seed": 7,
        "webhook_secret": SECRET,
        "pending_delay_seconds": 0.05,
        "refund_later_seconds": 0.05,
        "slow_delay_seconds": 0.3,
        "retry_after_seconds": 0.01,
        "webhook_time_scale": 100_000,
        **overrides,
    }
    return SandboxConfig(_env_file=None, **values)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A reseller's webhook endpoint that answers from a script of statuses (then 204).

    A scripted status of 0 never answers (until teardown): the sender must time out.
    """

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        async with self.changed:
            self.requests.append(
                Received(dict(request.headers), body, asyncio.get_running_loop().time())
            )
            self.changed.notify_all()
        status = self.statuses.pop(0) if self.statuses else 204
        if status == 0:
            await self.release.wait()
        return web.Response(status=status or 204)

    async def wait_for_count(self, count: int) -> list[Received]:
        async with asyncio.timeout(WAIT), self.changed:
            await self.changed.wait_for(lambda: len(self.requests) >= count)
        return self.requests


def service_of(client: Client) -> SandboxService:
    return client.app[SERVICE_KEY]


async def call(
    client: Client,
    method: str,
    path: str,
    *,
    expect: int = 200,
    **kwargs: Any,
) -> Any:
    """One authorised JSON call; asserts the status and returns the decoded body."""
    async with client.request(method, path, headers=AUTH, **kwargs) as resp:
        body = await resp.json()
        assert resp.status == expect, body
        return body


async def place(
    client: Client,
    sku: str,
    reference: str,
    quantity: int = 1,
    *,
    expect: int = 201,
    **extra: Any,
) -> Any:
    payload = {"sku": sku, "quantity": quantity, "reference": reference, **extra}
    return await call(client, "POST", "/v1/orders", json=payload, expect=expect)


async def balance(client: Client) -> int:
    return Balance.model_validate(await call(client, "GET", "/v1/balance")).available.amount
