"""The shop end to end: the three real processes, driven over HTTP as customers would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from sandbox.telegram.driver import SandboxClient
from tests.e2e.processes import SUPPLIER_API_KEY, Stack, running_stack
from tests.support.shopper import Supplier


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Started once: every test uses customers of its own, so none sees another's chat."""
    with running_stack(tmp_path_factory.mktemp("shop")) as running:
        yield running


@pytest.fixture
async def telegram(stack: Stack) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(stack.telegram_url) as client:
        yield client


@pytest.fixture
async def supplier(stack: Stack) -> AsyncIterator[Supplier]:
    async with aiohttp.ClientSession(
        base_url=stack.supplier_url, headers={"Authorization": f"Bearer {SUPPLIER_API_KEY}"}
    ) as session:
        yield Supplier(session)
