"""Fixtures: the sandbox app behind aiohttp's TestServer, and a webhook receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from supplier.sandbox.app import create_app
from supplier.sandbox.config import SandboxConfig
from supplier.sandbox.service import SERVICE_KEY, SandboxService
from supplier.settings import SANDBOX_API_KEY

AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
WAIT = 5.0  # upper bound for awaiting an event; tests normally finish far sooner


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
    return SandboxConfig(_env_file=None, **values)  # type: ignore[call-arg]


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


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/hooks", recv.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    recv.url = str(server.make_url("/hooks"))
    yield recv
    recv.release.set()
    await server.close()


MakeClient = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    clients: list[TestClient[web.Request, web.Application]] = []

    async def make(**overrides: Any) -> TestClient[web.Request, web.Application]:
        client = TestClient(TestServer(create_app(fast_config(**overrides)), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient[web.Request, web.Application]:
    return await make_client()


@pytest.fixture
async def hooked(
    make_client: MakeClient, receiver: Receiver
) -> TestClient[web.Request, web.Application]:
    """A sandbox whose webhooks go to `receiver`."""
    return await make_client(webhook_url=receiver.url)


def service_of(client: TestClient[web.Request, web.Application]) -> SandboxService:
    return client.app[SERVICE_KEY]  # type: ignore[index]


async def call(
    client: TestClient[web.Request, web.Application],
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
    client: TestClient[web.Request, web.Application],
    sku: str,
    reference: str,
    quantity: int = 1,
    *,
    expect: int = 201,
    **extra: Any,
) -> Any:
    payload = {"sku": sku, "quantity": quantity, "reference": reference, **extra}
    return await call(client, "POST", "/v1/orders", json=payload, expect=expect)
