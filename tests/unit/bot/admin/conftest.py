"""Fixtures for the console's tests: a `Console` harness with two products."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.store import Storage
from tests.unit.bot.admin.console import Console
from tests.unit.bot.harness import product_data


@pytest.fixture
async def console(storage: Storage) -> AsyncIterator[Console]:
    c = Console(storage)
    await c.add_products(
        product_data("steam-us-20"),
        product_data("psn-de-25", brand="PlayStation", region="DE", face=2500),
    )
    yield c
    await c.real_fulfilment.close()
