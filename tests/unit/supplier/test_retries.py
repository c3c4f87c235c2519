"""The retry policy, alone and as the client applies it to a server that fails on purpose."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from supplier import errors
from supplier.client import SupplierClient
from supplier.retry import RetryPolicy, Verdict, should_retry
from tests.unit.supplier.scripted_http import (
    API_KEY,
    ScriptedSupplier,
    drop,
    error,
    order_json,
    raw,
    reply,
)

BALANCE = {
    "available": {"amount": 100_000, "currency": "USD"},
    "reserved": {"amount": 0, "currency": "USD"},
    "updated_at": "2026-11-26T10:00:00Z",
}
PRICE = {
    "sku": "steam-us-20",
    "face_value": {"amount": 2000, "currency": "USD"},
    "unit_price": {"amount": 1900, "currency": "USD"},
    "valid_until": "2026-11-26T10:05:00Z",
    "updated_at": "2026-11-26T10:00:00Z",
}
MakeClient = Callable[..., SupplierClient]


# --- the policy alone ---


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_is_jittered_within_half_to_full_of_a_capped_exponential(attempt: int) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0)
    ceiling = min(4.0, 0.5 * 2**attempt)
    delays = {policy.delay(attempt, errors.SupplierTimeout()) for _ in range(50)}

    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(delays) > 1  # jittered, not a fixed schedule


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(retry_after_max=10.0)
    assert policy.delay(0, errors.RateLimited(retry_after=3)) == 3
    assert policy.delay(5, errors.RateLimited(retry_after=3600)) == 10.0
    # Without the header a 429 backs off like any other failure.
    assert 0.25 <= policy.delay(0, errors.RateLimited()) <= 0.5


@pytest.mark.parametrize(
    "kwargs", [{"max_retries": -1}, {"backoff_base": -1}, {"retry_after_max": -0.1}]
)
def test_policy_rejects_negative_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (errors.SupplierConnectionError("refused", request_sent=False), True),
        (errors.SupplierTimeout(), True),
        (errors.RateLimited(), True),
        (errors.SupplierServerError(500), True),
        (errors.UpstreamUnavailable(503), True),
        (errors.InvalidRequest(400), False),
        (errors.Unauthorized(401), False),
        (errors.InsufficientBalance(402), False),
        (errors.SkuNotFound(404), False),
        (errors.OutOfStock(409), False),
        (errors.PriceChanged(409), False),
        (errors.OrderDeclined(422), False),
        (errors.SupplierResponseError("garbled"), False),
    ],
)
def test_only_transient_failures_are_retryable(error: errors.SupplierError, retried: bool) -> None:
    assert (should_retry(error) is not Verdict.FINAL) is retried


# --- the client against a failing server ---


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_retried_until_success(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float], status: int
) -> None:
    fake.on("GET", "/v1/balance", raw(status, "upstream hiccup"), reply(200, BALANCE))

    balance = await make_client().get_balance()

    assert balance.available.amount == 100_000
    assert len(fake.calls("GET", "/v1/balance")) == 2
    assert len(sleeps) == 1


async def test_429_waits_for_retry_after(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on(
        "GET",
        "/v1/balance",
        error(429, "rate_limited", {"Retry-After": "7"}),
        reply(200, BALANCE),
    )

    await make_client().get_balance()

    assert sleeps == [7.0]


async def test_gives_up_after_max_retries_with_the_last_error(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on("GET", "/v1/balance", error(503, "upstream_unavailable"))

    with pytest.raises(errors.UpstreamUnavailable) as caught:
        await make_client().get_balance()

    assert caught.value.request_id == "req_test"
    assert len(fake.calls("GET", "/v1/balance")) == 4  # 1 + max_retries
    assert len(sleeps) == 3
    # Exponential: each wait's ceiling doubles (0.5, 1, 2 with the default base).
    assert [0.25 <= sleeps[0] <= 0.5, 0.5 <= sleeps[1] <= 1, 1 <= sleeps[2] <= 2] == [True] * 3


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "invalid_request", errors.InvalidRequest),
        (401, "unauthorized", errors.Unauthorized),
        (402, "insufficient_balance", errors.InsufficientBalance),
        (404, "sku_not_found", errors.SkuNotFound),
        (409, "out_of_stock", errors.OutOfStock),
        (422, "order_declined", errors.OrderDeclined),
    ],
)
async def test_client_errors_are_not_retried(
    fake: ScriptedSupplier,
    make_client: MakeClient,
    sleeps: list[float],
    status: int,
    code: str,
    expected: type[errors.SupplierError],
) -> None:
    fake.on("GET", "/v1/prices/steam-us-20", error(status, code), reply(200, PRICE))

    with pytest.raises(expected):
        await make_client().get_price("steam-us-20")

    assert len(fake.calls("GET", "/v1/prices/steam-us-20")) == 1
    assert sleeps == []


async def test_timeouts_are_retried(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on("GET", "/v1/prices/steam-us-20", fake.hang(), reply(200, PRICE))

    price = await make_client(timeout=0.2).get_price("steam-us-20")

    assert price.unit_price.amount == 1900
    assert len(sleeps) == 1


async def test_broken_connection_is_retried(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    # aiohttp itself resends an idempotent request once on a dropped connection; the
    # third drop in a row can only be survived by the client's own retry.
    fake.on("GET", "/v1/balance", drop(), drop(), drop(), reply(200, BALANCE))

    assert (await make_client().get_balance()).reserved.amount == 0
    assert len(sleeps) >= 1


async def test_refused_connection_is_retried_then_reported(
    make_client: MakeClient, unused_tcp_port: int, sleeps: list[float]
) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{unused_tcp_port}")

    with pytest.raises(errors.SupplierConnectionError) as caught:
        await client.get_balance()

    assert caught.value.request_sent is False
    assert len(sleeps) == 3


async def test_deadline_bounds_the_whole_call(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    fake.on("GET", "/v1/stock/steam-us-20", fake.hang())
    client = make_client(timeout=10.0)
    loop = asyncio.get_running_loop()

    started = loop.time()
    with pytest.raises(errors.SupplierTimeout):
        await client.get_stock("steam-us-20", deadline=0.3)

    assert loop.time() - started < 2.0  # far below the 10 s per-request timeout


async def test_deadline_skips_a_retry_that_could_not_finish_in_time(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on("GET", "/v1/prices/steam-us-20", error(429, "rate_limited", {"Retry-After": "5"}))

    with pytest.raises(errors.RateLimited):
        await make_client().get_price("steam-us-20", deadline=2.5)

    assert len(fake.calls("GET", "/v1/prices/steam-us-20")) == 1
    assert sleeps == []


async def test_api_key_is_sent_but_never_logged_or_shown(
    fake: ScriptedSupplier, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake.on("GET", "/v1/balance", error(500, "internal_error"), reply(200, BALANCE))
    caplog.set_level(logging.DEBUG)
    client = make_client()

    await client.get_balance()

    assert fake.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"
    assert "retry 1 of 3" in caplog.text  # the retry was logged...
    assert API_KEY not in caplog.text  # ...without the key
    assert API_KEY not in repr(client)


# --- the lookup by reference, inside the same loop ---


async def test_an_order_is_looked_up_after_an_ambiguous_last_attempt(
    fake: ScriptedSupplier, sleeps: list[float]
) -> None:
    # No retries left, yet the supplier may hold the order: it is found, not lost.
    fake.on("POST", "/v1/orders", error(500, "internal_error"))
    fake.on("GET", "/v1/orders", reply(200, order_json("ref_l")))

    async with SupplierClient(fake.url, API_KEY, retry=RetryPolicy(max_retries=0)) as client:
        order = await client.create_order("test-instant", 1, "ref_l")

    assert order.reference == "ref_l"
    assert len(fake.calls("POST", "/v1/orders")) == 1
    assert fake.calls("GET", "/v1/orders")[0].query == {"reference": "ref_l"}


async def test_a_final_answer_to_the_lookup_is_raised_without_posting_again(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on("POST", "/v1/orders", error(503, "upstream_unavailable"), reply(201, order_json()))
    fake.on("GET", "/v1/orders", error(401, "unauthorized"))

    with pytest.raises(errors.Unauthorized):
        await make_client().create_order("test-instant", 1, "ref_u")

    assert len(fake.calls("POST", "/v1/orders")) == 1
    assert sleeps == []


async def test_a_failed_get_is_retried_without_any_lookup(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on("GET", "/v1/balance", error(500, "internal_error"), reply(200, BALANCE))

    await make_client().get_balance()

    assert [call.path for call in fake.requests] == ["/v1/balance", "/v1/balance"]


async def test_when_both_fail_to_the_end_the_order_post_error_is_raised(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    # The lookup's own transient error must not replace what the POST got.
    fake.on("POST", "/v1/orders", error(502, "internal_error"))
    fake.on("GET", "/v1/orders", error(429, "rate_limited"))

    with pytest.raises(errors.SupplierServerError) as raised:
        await make_client().create_order("test-instant", 1, "ref_b")

    assert raised.value.status == 502
    assert len(fake.calls("GET", "/v1/orders")) == 4
