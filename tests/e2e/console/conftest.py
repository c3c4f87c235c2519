"""The operations console end to end: the three real processes, one admin in ADMIN_IDS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from sandbox.telegram.driver import ChatUser, SandboxClient
from tests.e2e.processes import SUPPLIER_API_KEY, Stack, running_stack
from tests.support.shopper import ADMIN_ID, Supplier


@pytest.fixture(scope="session")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("console"), ADMIN_IDS=str(ADMIN_ID)) as running:
        yield running


@pytest.fixture
async def telegram(console_stack: Stack) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(console_stack.telegram_url) as client:
        yield client


@pytest.fixture
async def supplier_session(console_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        base_url=console_stack.supplier_url,
        headers={"Authorization": f"Bearer {SUPPLIER_API_KEY}"},
    ) as session:
        yield session


@pytest.fixture
def supplier(supplier_session: aiohttp.ClientSession) -> Supplier:
    return Supplier(supplier_session)


@pytest.fixture
async def admin(telegram: SandboxClient) -> ChatUser:
    """The admin's chat; created once per stack (a second create is refused)."""
    for user in await telegram.users():
        if user["id"] == ADMIN_ID:
            return telegram.user(user)
    return await telegram.create_user(ADMIN_ID, "Ops", "en")
