from __future__ import annotations

import pytest

from storage.store import Storage
from tests.unit.bot.harness import Harness, product_data


@pytest.fixture
async def h(storage: Storage) -> Harness:
    h = Harness(storage)
    await h.add_products(
        product_data("steam-us-20"),
        product_data("steam-us-50", face=5000),
        product_data("steam-gl-10", region="GLOBAL", face=1000),
        product_data("psn-de-25", brand="PlayStation", region="DE", face=2500),
        product_data("xbox-eu-25", brand="Xbox", region="EU", face=2500),
    )
    return h
