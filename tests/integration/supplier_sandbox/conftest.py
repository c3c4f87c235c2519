"""Fixtures: the sandbox app behind aiohttp's TestServer, and a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.supplier.app import create_app
from tests.support.supplier_sandbox import Client, MakeClient, Receiver, fast_config


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


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(**overrides: Any) -> Client:
        client = TestClient(TestServer(create_app(fast_config(**overrides)), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client()


@pytest.fixture
async def hooked(make_client: MakeClient, receiver: Receiver) -> Client:
    """A sandbox whose webhooks go to `receiver`."""
    return await make_client(webhook_url=receiver.url)
