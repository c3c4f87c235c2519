"""POST /v1/orders and order look-ups on catalog SKUs: money, stock, codes, idempotency."""

from __future__ import annotations

import re

from supplier.models import Order, Stock
from tests.support.supplier_sandbox import Client, MakeClient, balance, call, place

STEAM_CODE = re.compile(r"^[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5}$")
XBOX_CODE = re.compile(r"^([BCDFGHJKMPQRTVWXY2346789]{5}-){4}[BCDFGHJKMPQRTVWXY2346789]{5}$")


async def test_instant_order_debits_issues_codes_and_draws_stock(client: Client) -> None:
    start = await balance(client)
    stock_before = Stock.model_validate(await call(client, "GET", "/v1/stock/steam-eu-10"))
    order = Order.model_validate(await place(client, "steam-eu-10", "ref-1", 3))
    assert order.status == "completed" and order.fulfilled_quantity == 3
    assert order.total.amount == 3 * order.unit_price.amount
    assert len(order.codes) == 3 and all(STEAM_CODE.match(c.code) for c in order.codes)
    assert await balance(client) == start - order.total.amount
    stock_after = Stock.model_validate(await call(client, "GET", "/v1/stock/steam-eu-10"))
    assert stock_before.available is not None and stock_after.available is not None
    assert stock_after.available == stock_before.available - 3
    by_id = await call(client, "GET", f"/v1/orders/{order.order_id}")
    by_ref = await call(client, "GET", "/v1/orders?reference=ref-1")
    assert Order.model_validate(by_id) == Order.model_validate(by_ref) == order


async def test_stock_runs_out(client: Client) -> None:
    await call(client, "POST", "/sandbox/stock", json={"sku": "xbox-gb-10", "available": 4})
    first = Order.model_validate(await place(client, "xbox-gb-10", "a", 3))
    assert all(XBOX_CODE.match(c.code) for c in first.codes)
    body = await place(client, "xbox-gb-10", "b", 2, expect=409)
    assert body["error"]["code"] == "out_of_stock"
    await place(client, "xbox-gb-10", "c", 1)
    stock = Stock.model_validate(await call(client, "GET", "/v1/stock/xbox-gb-10"))
    assert stock.status == "out_of_stock" and stock.available == 0
    catalog = await call(client, "GET", "/v1/catalog?region=GB&brand=Xbox")
    assert {p["sku"]: p["available"] for p in catalog["items"]}["xbox-gb-10"] is False


async def test_codes_never_repeat(client: Client) -> None:
    await call(
        client, "POST", "/sandbox/balance", json={"amount": {"amount": 10**9, "currency": "USD"}}
    )
    codes: list[str] = []
    for i in range(30):
        order = Order.model_validate(await place(client, "roblox-global-25", f"r{i}", 10))
        codes += [c.code for c in order.codes]
    assert len(codes) == 300 and len(set(codes)) == 300


async def test_same_reference_same_body_returns_the_original_once_charged(client: Client) -> None:
    start = await balance(client)
    first = await place(client, "amazon-us-25", "dup", 2)
    again = await place(client, "amazon-us-25", "dup", 2, expect=200)
    assert again == first
    assert await balance(client) == start - first["total"]["amount"]


async def test_same_reference_different_body_conflicts(client: Client) -> None:
    await place(client, "amazon-us-25", "dup", 2)
    for sku, quantity, extra in (
        ("amazon-us-25", 1, {}),
        ("amazon-us-50", 2, {}),
        ("amazon-us-25", 2, {"max_unit_price": {"amount": 10**6, "currency": "USD"}}),
    ):
        body = await place(client, sku, "dup", quantity, expect=409, **extra)
        assert body["error"]["code"] == "idempotency_conflict"
        assert body["error"]["retryable"] is False


async def test_refusals(client: Client) -> None:
    limit = await place(client, "steam-us-20", "q", 11, expect=422)
    assert limit["error"]["code"] == "quantity_limit"
    unknown = await place(client, "nope", "u", 1, expect=404)
    assert unknown["error"]["code"] == "sku_not_found"
    price = await call(client, "GET", "/v1/prices/steam-us-20")
    cheap = {"amount": price["unit_price"]["amount"] - 1, "currency": "USD"}
    changed = await place(client, "steam-us-20", "p", 1, expect=409, max_unit_price=cheap)
    assert changed["error"]["code"] == "price_changed"
    await call(
        client, "POST", "/sandbox/balance", json={"amount": {"amount": 100, "currency": "USD"}}
    )
    poor = await place(client, "steam-us-20", "b", 1, expect=402)
    assert poor["error"]["code"] == "insufficient_balance"
    # Nothing above created an order.
    for ref in ("q", "u", "p", "b"):
        missing = await call(client, "GET", f"/v1/orders?reference={ref}", expect=404)
        assert missing["error"]["code"] == "order_not_found"


async def test_exact_max_unit_price_is_accepted(client: Client) -> None:
    price = await call(client, "GET", "/v1/prices/nintendo-us-20")
    order = await place(client, "nintendo-us-20", "m", 1, max_unit_price=price["unit_price"])
    assert order["unit_price"]["amount"] <= price["unit_price"]["amount"]


async def test_unknown_order_lookups(client: Client) -> None:
    body = await call(client, "GET", "/v1/orders/ord_nope", expect=404)
    assert body["error"]["code"] == "order_not_found"
    body = await call(client, "GET", "/v1/orders", expect=400)
    assert body["error"]["code"] == "invalid_request"


async def test_pending_and_failure_knobs_apply_to_catalog_skus(make_client: MakeClient) -> None:
    client = await make_client(pending_probability=1.0)
    order = await place(client, "spotify-us-10", "k1")
    assert order["status"] == "pending"
    failing = await make_client(failure_probability=1.0)
    order = await place(failing, "spotify-us-10", "k2")
    assert order["status"] == "pending"
