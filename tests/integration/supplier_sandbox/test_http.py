"""HTTP conventions: auth, headers, rate limits, the error envelope on bad input, OpenAPI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from multidict import CIMultiDict

from supplier.models import ERROR_CODES, ErrorEnvelope
from tests.support.supplier_sandbox import AUTH, Client, MakeClient, call

RATE_HEADERS = ("X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


async def raw(
    client: Client, method: str, path: str, **kwargs: Any
) -> tuple[int, CIMultiDict[str], Any]:
    async with client.request(method, path, **kwargs) as resp:
        text = await resp.text()
        return resp.status, resp.headers.copy(), json.loads(text) if text.startswith("{") else text


def assert_envelope(status: int, body: Any) -> str:
    envelope = ErrorEnvelope.model_validate(body)
    code = envelope.error.code
    assert envelope.error.request_id
    if code in ERROR_CODES and status not in (404, 405, 413, 502):
        assert ERROR_CODES[code] == (status, envelope.error.retryable)
    return code


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "sandbox-api-key"}]
)
async def test_unauthorised_requests(client: Client, headers: dict[str, str]) -> None:
    for method, path in (("GET", "/v1/balance"), ("POST", "/sandbox/reset")):
        status, resp_headers, body = await raw(client, method, path, headers=headers)
        assert status == 401 and assert_envelope(status, body) == "unauthorized"
        assert all(h in resp_headers for h in RATE_HEADERS)


async def test_every_response_carries_request_id_and_rate_headers(client: Client) -> None:
    for method, path, headers in (
        ("GET", "/v1/catalog", AUTH),
        ("GET", "/v1/stock/nope", AUTH),
        ("GET", "/v1/missing", AUTH),
        ("DELETE", "/v1/balance", AUTH),
        ("GET", "/openapi.json", {}),
    ):
        status, resp_headers, body = await raw(client, method, path, headers=headers)
        assert all(h in resp_headers for h in RATE_HEADERS), path
        if status >= 400:
            assert body["error"]["request_id"] == resp_headers["X-Request-Id"]
    first = await raw(client, "GET", "/v1/balance", headers=AUTH)
    second = await raw(client, "GET", "/v1/balance", headers=AUTH)
    assert first[1]["X-Request-Id"] != second[1]["X-Request-Id"]
    assert int(second[1]["X-RateLimit-Remaining"]) == int(first[1]["X-RateLimit-Remaining"]) - 1


async def test_rate_limit_per_key(make_client: MakeClient) -> None:
    client = await make_client(rate_limit_per_minute=3)
    seen = []
    for _ in range(4):
        status, headers, body = await raw(client, "GET", "/v1/balance", headers=AUTH)
        seen.append((status, headers["X-RateLimit-Remaining"]))
    assert seen == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
    assert assert_envelope(429, body) == "rate_limited" and body["error"]["retryable"]
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert headers["X-RateLimit-Limit"] == "3"


BAD_ORDERS: list[tuple[str, bytes | str]] = [
    ("malformed", b"{not json"),
    ("empty", b""),
    ("array", b"[]"),
    ("not utf-8", b'{"sku": "\xff"}'),
    ("missing fields", json.dumps({"sku": "test-instant"})),
    ("string quantity", json.dumps({"sku": "test-instant", "quantity": "2", "reference": "r"})),
    ("float quantity", json.dumps({"sku": "test-instant", "quantity": 1.5, "reference": "r"})),
    ("bool quantity", json.dumps({"sku": "test-instant", "quantity": True, "reference": "r"})),
    ("zero quantity", json.dumps({"sku": "test-instant", "quantity": 0, "reference": "r"})),
    ("negative quantity", json.dumps({"sku": "test-instant", "quantity": -3, "reference": "r"})),
    ("huge quantity", json.dumps({"sku": "test-instant", "quantity": 10**30, "reference": "r"})),
    ("numeric sku", json.dumps({"sku": 5, "quantity": 1, "reference": "r"})),
    ("empty reference", json.dumps({"sku": "test-instant", "quantity": 1, "reference": ""})),
    ("unknown field", json.dumps({"sku": "test-instant", "quantity": 1, "reference": "r", "x": 1})),
    ("float money", json.dumps({"sku": "test-instant", "quantity": 1, "reference": "r",
                                "max_unit_price": {"amount": 9.5, "currency": "USD"}})),
    ("bad currency", json.dumps({"sku": "test-instant", "quantity": 1, "reference": "r",
                                 "max_unit_price": {"amount": 950, "currency": "usd"}})),
    ("foreign currency", json.dumps({"sku": "test-instant", "quantity": 1, "reference": "r",
                                     "max_unit_price": {"amount": 950, "currency": "EUR"}})),
    ("unknown sku", json.dumps({"sku": "nope", "quantity": 1, "reference": "r"})),
    ("over 64 KiB", json.dumps({"sku": "test-instant", "quantity": 1, "reference": "r" * 70_000})),
]  # fmt: skip


@pytest.mark.parametrize(("case", "data"), BAD_ORDERS, ids=[c for c, _ in BAD_ORDERS])
async def test_bad_orders_get_a_4xx_envelope(client: Client, case: str, data: bytes | str) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    status, _, body = await raw(client, "POST", "/v1/orders", data=data, headers=headers)
    assert 400 <= status < 500, (case, status, body)
    assert_envelope(status, body)
    balance = await call(client, "GET", "/v1/balance")
    assert balance["available"]["amount"] == 100_000  # nothing was charged


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/sandbox/balance", {"amount": {"amount": -1, "currency": "USD"}}),
        ("/sandbox/balance", {"amount": 5}),
        ("/sandbox/stock", {"sku": "nope", "available": 1}),
        ("/sandbox/stock", {"sku": "steam-us-5", "available": -1}),
        ("/sandbox/adjustment", {"amount": {"amount": 1, "currency": "USD"}, "note": ""}),
    ],
)
async def test_bad_control_bodies(client: Client, path: str, body: dict[str, Any]) -> None:
    status, _, reply = await raw(client, "POST", path, json=body, headers=AUTH)
    assert status in (400, 404)
    assert_envelope(status, reply)


async def test_set_stock_and_balance(client: Client) -> None:
    stock = await call(client, "POST", "/sandbox/stock", json={"sku": "test-oos", "available": 7})
    assert stock == {**stock, "status": "low", "available": 7}
    body = await call(
        client, "POST", "/sandbox/balance", json={"amount": {"amount": 5, "currency": "USD"}}
    )
    assert body["available"] == {"amount": 5, "currency": "USD"}


async def test_added_latency(make_client: MakeClient) -> None:
    client = await make_client(latency_min_ms=80, latency_max_ms=90)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await call(client, "GET", "/v1/balance")
    assert loop.time() - started >= 0.08


async def test_openapi_document(client: Client) -> None:
    status, _, doc = await raw(client, "GET", "/openapi.json")
    assert status == 200 and doc["openapi"] == "3.1.0"
    expected = {"/v1/catalog", "/v1/stock/{sku}", "/v1/prices/{sku}", "/v1/orders",
                "/v1/orders/{order_id}", "/v1/topups/validate", "/v1/balance",
                "/v1/reconciliation", "/sandbox/reset",
                "/sandbox/balance", "/sandbox/stock", "/sandbox/adjustment",
                "/sandbox/webhook-deliveries"}  # fmt: skip
    assert set(doc["paths"]) == expected
    schemas = doc["components"]["schemas"]
    assert {"Order", "Money", "Product", "ErrorEnvelope", "OrderRequest"} <= set(schemas)
    assert {"Player", "TopupValidation", "TopupCredit"} <= set(schemas)
    refs: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs and all(r.removeprefix("#/components/schemas/") in schemas for r in refs)
    assert schemas["OrderRequest"]["properties"]["quantity"]["minimum"] == 1
