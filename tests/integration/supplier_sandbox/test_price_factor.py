"""The price factor: two sandboxes with different factors are two suppliers, two prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.cli import main, parse_args
from sandbox.supplier.cli import _config
from sandbox.supplier.pricing import unit_price
from tests.support.supplier_sandbox import MakeClient, call, place, service_of


async def test_a_factor_scales_quotes_and_what_orders_pay(make_client: MakeClient) -> None:
    plain = await make_client()
    dear = await make_client(api_key="second-supplier", price_factor=1.25)
    state = service_of(dear).state
    item = state.catalog["steam-us-20"]
    base = await call(plain, "GET", "/v1/prices/steam-us-20")
    headers = {"Authorization": "Bearer second-supplier"}
    async with dear.get("/v1/prices/steam-us-20", headers=headers) as resp:
        assert resp.status == 200
        quoted = await resp.json()
    # Same seed, same moment: the only difference is the factor (USD, no FX drift here).
    exact = unit_price(item, state.fx, state.clock(), factor=Decimal("1.25"))
    assert quoted["unit_price"]["amount"] == exact
    assert abs(quoted["unit_price"]["amount"] - base["unit_price"]["amount"] * 1.25) <= 1
    async with dear.post(
        "/v1/orders",
        json={"sku": "steam-us-20", "quantity": 2, "reference": "r1"},
        headers=headers,
    ) as resp:
        assert resp.status == 201
        order = await resp.json()
    assert order["unit_price"] == quoted["unit_price"]
    assert order["total"]["amount"] == 2 * exact
    cheap_order = await place(plain, "steam-us-20", "r1", 2)
    assert cheap_order["total"]["amount"] < order["total"]["amount"]


async def test_a_quote_below_the_factor_price_is_refused(make_client: MakeClient) -> None:
    dear = await make_client(price_factor=2.0)
    plain_price = await call(await make_client(), "GET", "/v1/prices/amazon-us-25")
    body = await place(
        dear, "amazon-us-25", "r", expect=409, max_unit_price=plain_price["unit_price"]
    )
    assert body["error"]["code"] == "price_changed"
    assert service_of(dear).state.orders == {}


def test_the_factor_comes_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _config(parse_args(["supplier-sandbox"])).price_factor == 1.0
    monkeypatch.setenv("SANDBOX_PRICE_FACTOR", "0.9")
    assert _config(parse_args(["supplier-sandbox"])).price_factor == 0.9
    args = parse_args(["supplier-sandbox", "--price-factor", "1.1"])
    assert _config(args).price_factor == 1.1


@pytest.mark.parametrize("value", ["0", "-1", "11", "nan"])
def test_a_bad_factor_is_named(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["supplier-sandbox", "--price-factor", value, "--port", "0"]) == 2
    assert "SANDBOX_PRICE_FACTOR" in capsys.readouterr().err
