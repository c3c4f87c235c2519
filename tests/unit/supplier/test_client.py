"""The client's calls against a scripted server: parsing, paging, and order recovery."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp
import pytest

from supplier import errors
from supplier.client import SupplierClient
from supplier.models import Money
from tests.unit.supplier.scripted_http import (
    Behaviour,
    ScriptedSupplier,
    drop,
    error,
    order_json,
    raw,
    reply,
    then,
)

MakeClient = Callable[..., SupplierClient]
PERIOD = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def product(sku: str) -> dict[str, object]:
    return {
        "sku": sku,
        "name": f"Card {sku}",
        "brand": "Steam",
        "region": "US",
        "face_value": {"amount": 2000, "currency": "USD"},
        "redemption_instructions": "Redeem in the app.",
        "redemption_url": None,
        "max_quantity": 10,
        "available": True,
        "updated_at": "2026-11-26T10:00:00Z",
    }


def ledger_page(entries: list[int], cursor: str | None, closing: int) -> dict[str, object]:
    return {
        "opening_balance": {"amount": 1000, "currency": "USD"},
        "closing_balance": {"amount": closing, "currency": "USD"},
        "entries": [
            {
                "entry_id": f"le_{amount}",
                "occurred_at": "2026-11-26T10:00:00Z",
                "type": "adjustment",
                "amount": {"amount": amount, "currency": "USD"},
                "balance_after": {"amount": 0, "currency": "USD"},
            }
            for amount in entries
        ],
        "next_cursor": cursor,
    }


# --- orders ---


async def test_create_order_sends_the_contract_body(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    fake.on("POST", "/v1/orders", reply(201, order_json("ref_1")))

    order = await make_client().create_order(
        "test-instant", 1, "ref_1", max_unit_price=Money(amount=1000, currency="USD")
    )

    assert order.reference == "ref_1"
    assert order.codes[0].code == "SECRET-CODE-1"
    assert json.loads(fake.requests[0].body) == {
        "sku": "test-instant",
        "quantity": 1,
        "reference": "ref_1",
        "max_unit_price": {"amount": 1000, "currency": "USD"},
    }


# The client's timeout: short where the hang is the point, roomy elsewhere, so a loaded
# machine cannot turn a 502 into a timeout before the fake has even seen the POST.
@pytest.mark.parametrize(
    ("failure", "client_timeout"),
    [
        pytest.param(lambda fake: error(502, "internal_error"), 5.0, id="502-after-commit"),
        pytest.param(lambda fake: raw(500, "oops"), 5.0, id="500-no-envelope"),
        pytest.param(lambda fake: fake.hang(), 1.0, id="timeout"),
        pytest.param(lambda fake: drop(), 5.0, id="dropped-connection"),
    ],
)
async def test_ambiguous_outcome_recovers_the_committed_order_by_reference(
    fake: ScriptedSupplier,
    make_client: MakeClient,
    sleeps: list[float],
    failure: Callable[[ScriptedSupplier], Behaviour],
    client_timeout: float,
) -> None:
    committed: list[str] = []
    fake.on(
        "POST",
        "/v1/orders",
        then(lambda: committed.append("ref_9"), failure(fake)),
        reply(200, order_json("ref_9")),
    )
    fake.on("GET", "/v1/orders", reply(200, order_json("ref_9")))

    order = await make_client(timeout=client_timeout).create_order("test-instant", 1, "ref_9")

    assert order.order_id == "ord_ref_9"
    assert len(fake.calls("POST", "/v1/orders")) == 1  # recovered, not re-posted
    assert fake.calls("GET", "/v1/orders")[0].query == {"reference": "ref_9"}
    assert committed == ["ref_9"]
    assert sleeps == []


async def test_ambiguous_outcome_with_no_order_found_reposts_the_same_body(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on(
        "POST",
        "/v1/orders",
        error(503, "upstream_unavailable"),
        error(500, "internal_error"),
        reply(201, order_json("ref_2")),
    )
    fake.on("GET", "/v1/orders", error(404, "order_not_found"))

    order = await make_client().create_order("test-instant", 1, "ref_2")

    posts = fake.calls("POST", "/v1/orders")
    assert order.reference == "ref_2"
    assert len(posts) == 3
    assert len({post.body for post in posts}) == 1  # every retry reuses reference and body
    assert len(fake.calls("GET", "/v1/orders")) == 2
    assert len(sleeps) == 2


async def test_rate_limited_order_is_retried_without_a_lookup(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on(
        "POST",
        "/v1/orders",
        error(429, "rate_limited", {"Retry-After": "2"}),
        reply(201, order_json("ref_3")),
    )

    await make_client().create_order("test-instant", 1, "ref_3")

    assert fake.calls("GET", "/v1/orders") == []  # a 429 means nothing was done
    assert sleeps == [2.0]


async def test_refused_connection_order_is_retried_then_reported(
    make_client: MakeClient, unused_tcp_port: int, sleeps: list[float]
) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{unused_tcp_port}")

    with pytest.raises(errors.SupplierConnectionError) as caught:
        await client.create_order("test-instant", 1, "ref_4")

    assert caught.value.request_sent is False
    assert len(sleeps) == 3


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (409, "out_of_stock", errors.OutOfStock),
        (409, "price_changed", errors.PriceChanged),
        (409, "idempotency_conflict", errors.IdempotencyConflict),
        (422, "order_declined", errors.OrderDeclined),
        (422, "quantity_limit", errors.QuantityLimit),
        (402, "insufficient_balance", errors.InsufficientBalance),
    ],
)
async def test_refused_order_raises_at_once(
    fake: ScriptedSupplier,
    make_client: MakeClient,
    status: int,
    code: str,
    expected: type[errors.SupplierError],
) -> None:
    fake.on("POST", "/v1/orders", error(status, code))

    with pytest.raises(expected):
        await make_client().create_order("test-oos", 1, "ref_5")

    assert len(fake.requests) == 1


async def test_ambiguous_failures_to_the_end_raise_the_last_error(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on("POST", "/v1/orders", error(502, "internal_error"))
    fake.on("GET", "/v1/orders", error(503, "upstream_unavailable"))

    with pytest.raises(errors.SupplierServerError):
        await make_client().create_order("test-instant", 1, "ref_6")

    assert len(fake.calls("POST", "/v1/orders")) == 4
    assert len(fake.calls("GET", "/v1/orders")) == 4  # one lookup after every attempt


async def test_find_order_by_reference(fake: ScriptedSupplier, make_client: MakeClient) -> None:
    fake.on("GET", "/v1/orders", reply(200, order_json("ref_7")), error(404, "order_not_found"))
    client = make_client()

    found = await client.find_order_by_reference("ref_7")
    assert found is not None and found.reference == "ref_7"
    assert await client.find_order_by_reference("ref_8") is None


async def test_ids_stay_one_path_segment(fake: ScriptedSupplier, make_client: MakeClient) -> None:
    fake.on("GET", "/v1/orders/a/../balance", reply(200, order_json()))
    client = make_client()

    await client.get_order("a/../balance")

    assert fake.requests[0].raw_path == "/v1/orders/a%2F..%2Fbalance"
    with pytest.raises(ValueError):
        await client.get_order("..")


# --- parsing ---


async def test_malformed_success_body_is_a_response_error(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    fake.on("GET", "/v1/orders/ord_1", reply(200, order_json() | {"total": "9.50"}))

    with pytest.raises(errors.SupplierResponseError) as caught:
        await make_client().get_order("ord_1")

    assert "SECRET-CODE" not in str(caught.value)  # the body's codes stay out of the message


async def test_non_json_success_body_is_a_response_error(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    fake.on("GET", "/v1/balance", raw(200, "<html>captive portal</html>"))

    with pytest.raises(errors.SupplierResponseError):
        await make_client().get_balance()


# --- paging ---


async def test_catalog_follows_cursors_and_passes_filters(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    fake.on(
        "GET",
        "/v1/catalog",
        reply(200, {"items": [product("a"), product("b")], "next_cursor": "c1"}),
        reply(200, {"items": [product("c")], "next_cursor": None}),
    )

    skus = [p.sku async for p in make_client().iter_catalog(region="US", page_size=2)]

    assert skus == ["a", "b", "c"]
    queries = [r.query for r in fake.calls("GET", "/v1/catalog")]
    assert queries == [
        {"region": "US", "limit": "2"},
        {"region": "US", "limit": "2", "cursor": "c1"},
    ]


async def test_catalog_lists_gift_cards_unless_asked_for_top_ups(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    # "old" has no kind at all, as an older supplier would answer: it is a gift card.
    items = [
        product("old"),
        {**product("card"), "kind": "code"},
        {**product("uc"), "kind": "topup"},
    ]
    fake.on("GET", "/v1/catalog", reply(200, {"items": items, "next_cursor": None}))
    client = make_client()

    assert [p.sku async for p in client.iter_catalog()] == ["old", "card"]
    assert [p.sku async for p in client.iter_catalog(kind="topup")] == ["uc"]
    assert [p.sku async for p in client.iter_catalog(kind=None)] == ["old", "card", "uc"]


async def test_cursor_that_does_not_advance_stops_paging(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    fake.on("GET", "/v1/catalog", reply(200, {"items": [product("a")], "next_cursor": "same"}))

    with pytest.raises(errors.SupplierResponseError):
        _ = [p async for p in make_client().iter_catalog()]
    assert len(fake.requests) == 2


async def test_reconciliation_joins_pages(fake: ScriptedSupplier, make_client: MakeClient) -> None:
    fake.on(
        "GET",
        "/v1/reconciliation",
        reply(200, ledger_page([-100, -200], "p2", 400)),
        reply(200, ledger_page([-300], None, 400)),
    )
    client = make_client()

    ledger = await client.get_reconciliation(*PERIOD)

    assert [e.amount.amount for e in ledger.entries] == [-100, -200, -300]
    assert (ledger.opening_balance.amount, ledger.closing_balance.amount) == (1000, 400)
    assert ledger.next_cursor is None
    assert fake.requests[0].query == {
        "from": "2026-11-01T00:00:00Z",
        "to": "2026-12-01T00:00:00Z",
        "format": "json",
    }


async def test_reconciliation_csv_joins_pages_under_one_header(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    header = "entry_id,amount\r\n"
    fake.on(
        "GET",
        "/v1/reconciliation",
        raw(200, header + "le_1,-100\r\n", "text/csv", {"X-Next-Cursor": "p2"}),
        raw(200, header + "le_2,-200\r\n", "text/csv"),
    )

    text = await make_client().reconciliation_csv(*PERIOD, page_size=1)

    assert text == header + "le_1,-100\r\nle_2,-200\r\n"
    queries = [r.query for r in fake.requests]
    assert [q.get("cursor") for q in queries] == [None, "p2"]
    assert {(q["format"], q["limit"]) for q in queries} == {("csv", "1")}


async def test_reconciliation_csv_refuses_pages_with_other_columns(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    fake.on(
        "GET",
        "/v1/reconciliation",
        raw(200, "a,b\r\n1,2\r\n", "text/csv", {"X-Next-Cursor": "p2"}),
        raw(200, "a,c\r\n3,4\r\n", "text/csv"),
    )

    with pytest.raises(errors.SupplierResponseError):
        await make_client().reconciliation_csv(*PERIOD)


async def test_reconciliation_rejects_naive_bounds(make_client: MakeClient) -> None:
    with pytest.raises(ValueError, match="timezone"):
        await make_client().reconciliation_csv(datetime(2026, 11, 1), datetime(2026, 12, 1))


# --- session ownership ---


async def test_borrowed_session_stays_open(fake: ScriptedSupplier) -> None:
    fake.on("GET", "/v1/balance", error(401, "unauthorized"))
    async with aiohttp.ClientSession() as session:
        async with SupplierClient(fake.url, "wrong", session=session) as client:
            with pytest.raises(errors.Unauthorized):
                await client.get_balance()
        assert not session.closed


async def test_owned_session_is_closed(fake: ScriptedSupplier) -> None:
    fake.on("GET", "/v1/balance", error(401, "unauthorized"))
    client = SupplierClient(fake.url, "wrong")
    with pytest.raises(errors.Unauthorized):
        await client.get_balance()
    session = client._transport._session
    await client.close()
    assert session is not None and session.closed
