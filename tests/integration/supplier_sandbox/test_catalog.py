"""Catalog, stock and prices."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.supplier.catalog import SCENARIO_SKUS, build_catalog
from sandbox.supplier.pricing import FxRates, unit_price
from supplier.models import CatalogPage, Price, Stock
from tests.support.supplier_sandbox import Client, call


async def all_products(client: Client, query: str = "") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = CatalogPage.model_validate(
            await call(client, "GET", f"/v1/catalog?limit=7&cursor={cursor}{query}")
        )
        items += [p.model_dump(mode="json") for p in page.items]
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


async def test_catalog_is_realistic_and_pages_without_gaps(client: Client) -> None:
    items = await all_products(client)
    skus = [p["sku"] for p in items]
    assert len(skus) == len(set(skus)) == len(build_catalog())
    real = [p for p in items if p["brand"] != "Sandbox"]
    assert len(real) >= 40
    assert len({p["region"] for p in real}) >= 6
    for brand in ("Steam", "PlayStation", "Xbox", "Nintendo eShop", "Google Play", "Apple",
                  "Amazon", "Netflix", "Spotify", "Razer Gold", "Roblox"):  # fmt: skip
        assert any(p["brand"] == brand for p in real), brand
    scenario = {p["sku"]: p for p in items if p["brand"] == "Sandbox"}
    assert set(scenario) == set(SCENARIO_SKUS)
    assert all(p["region"] == "GLOBAL" for p in scenario.values())
    assert scenario["test-oos"]["available"] is False


async def test_catalog_filters_by_region_and_brand(client: Client) -> None:
    turkish = await all_products(client, "&region=tr")
    assert turkish and all(p["region"] == "TR" for p in turkish)
    assert all(p["face_value"]["currency"] == "TRY" for p in turkish)
    steam_eu = await all_products(client, "&region=EU&brand=steam")
    assert steam_eu and all(p["brand"] == "Steam" and p["region"] == "EU" for p in steam_eu)
    assert await all_products(client, "&brand=nosuchbrand") == []


async def test_catalog_rejects_bad_paging(client: Client) -> None:
    for query in ("limit=0", "limit=101", "limit=ten", "cursor=%%%", "cursor=Zm9vOjE"):
        body = await call(client, "GET", f"/v1/catalog?{query}", expect=400)
        assert body["error"]["code"] == "invalid_request", query


async def test_stock_reports_status_and_caps_the_count(client: Client) -> None:
    plenty = Stock.model_validate(await call(client, "GET", "/v1/stock/psn-us-50"))
    assert plenty.status == "in_stock" and plenty.available == 100  # 940 on hand, capped
    low = Stock.model_validate(await call(client, "GET", "/v1/stock/steam-us-5"))
    assert low.status == "low" and low.available is not None and 0 < low.available <= 10
    oos = Stock.model_validate(await call(client, "GET", "/v1/stock/test-oos"))
    assert oos.status == "out_of_stock" and oos.available == 0
    unlimited = Stock.model_validate(await call(client, "GET", "/v1/stock/test-instant"))
    assert unlimited.status == "in_stock" and unlimited.available is None
    missing = await call(client, "GET", "/v1/stock/nope-xx-1", expect=404)
    assert missing["error"]["code"] == "sku_not_found"


async def test_prices_are_discounted_usd_and_short_lived(client: Client) -> None:
    before = datetime.now(UTC)
    for sku in ("steam-us-20", "amazon-us-25", "razer-global-50", "roblox-global-10"):
        price = Price.model_validate(await call(client, "GET", f"/v1/prices/{sku}"))
        assert price.unit_price.currency == "USD"
        discount = 1 - price.unit_price.amount / price.face_value.amount
        assert 0.02 <= discount <= 0.12, (sku, discount)
        assert before < price.valid_until <= before + timedelta(minutes=10)
    foreign = Price.model_validate(await call(client, "GET", "/v1/prices/psn-in-1000"))
    assert foreign.face_value.currency == "INR"
    assert 900 < foreign.unit_price.amount < 1300  # 1000 INR is about 12 USD
    missing = await call(client, "GET", "/v1/prices/nope", expect=404)
    assert missing["error"]["code"] == "sku_not_found"


def test_fx_drift_is_slow_and_seeded() -> None:
    item = build_catalog()["steam-eu-50"]
    t0 = datetime(2026, 11, 26, 10, tzinfo=UTC)
    same_seed = [unit_price(item, FxRates(42), t0) for _ in range(2)]
    assert same_seed[0] == same_seed[1]
    fx = FxRates(42)
    day = [unit_price(item, fx, t0 + timedelta(minutes=10 * i)) for i in range(144)]
    assert len(set(day)) > 1  # it moves...
    assert max(day) / min(day) < 1.01  # ...but slowly
    steps = [abs(a - b) / a for a, b in itertools.pairwise(day)]
    assert max(steps) < 0.0015  # under 0.15 % per ten minutes
