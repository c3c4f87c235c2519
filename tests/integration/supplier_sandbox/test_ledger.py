"""Balance, reconciliation (JSON and CSV) and the control endpoints that move money."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from supplier.models import Reconciliation
from tests.support.supplier_sandbox import AUTH, Client, balance, call, place


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


async def busy_day(client: Client) -> None:
    await place(client, "test-instant", "a", 2)
    await place(client, "test-partial", "b", 4)
    await place(client, "test-500-committed", "c", expect=502)
    await call(
        client, "POST", "/sandbox/adjustment", json={"amount": usd(-250), "note": "fee"}, expect=201
    )
    await call(client, "POST", "/sandbox/balance", json={"amount": usd(50_000)})


async def test_reconciliation_adds_up_and_csv_agrees(client: Client) -> None:
    await busy_day(client)
    rec = Reconciliation.model_validate(await call(client, "GET", "/v1/reconciliation"))
    total = sum(e.amount.amount for e in rec.entries)
    assert rec.opening_balance.amount + total == rec.closing_balance.amount == 50_000
    assert rec.closing_balance.amount == await balance(client)
    running = rec.opening_balance.amount
    for entry in rec.entries:
        running += entry.amount.amount
        assert entry.balance_after.amount == running
    types = [e.type for e in rec.entries]
    assert types == ["topup", "debit", "debit", "refund", "debit", "adjustment", "adjustment"]
    async with client.get("/v1/reconciliation?format=csv", headers=AUTH) as resp:
        assert resp.status == 200 and resp.content_type == "text/csv"
        assert resp.headers["X-Closing-Balance"] == "50000"
        rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == len(rec.entries)
    for row, entry in zip(rows, rec.entries, strict=True):
        assert row["entry_id"] == entry.entry_id and row["type"] == entry.type
        assert int(row["amount"]) == entry.amount.amount
        assert int(row["balance_after"]) == entry.balance_after.amount
        assert row["order_id"] == (entry.order_id or "")
        assert datetime.fromisoformat(row["occurred_at"]) == entry.occurred_at


async def test_reconciliation_pages_chain(client: Client) -> None:
    await busy_day(client)
    whole = Reconciliation.model_validate(await call(client, "GET", "/v1/reconciliation"))
    pages: list[Reconciliation] = []
    cursor = ""
    while True:
        page = Reconciliation.model_validate(
            await call(client, "GET", f"/v1/reconciliation?limit=3&cursor={cursor}")
        )
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [e for p in pages for e in p.entries] == whole.entries
    for prev, nxt in itertools.pairwise(pages):
        assert prev.closing_balance == nxt.opening_balance
    for page in pages:
        total = sum(e.amount.amount for e in page.entries)
        assert page.opening_balance.amount + total == page.closing_balance.amount


async def test_reconciliation_window_and_bad_queries(client: Client) -> None:
    await busy_day(client)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    empty = await call(client, "GET", f"/v1/reconciliation?from={future}")
    assert empty["entries"] == [] and empty["opening_balance"] == empty["closing_balance"]
    past = await call(client, "GET", "/v1/reconciliation?to=2020-01-01T00:00:00Z")
    assert past["entries"] == [] and past["closing_balance"]["amount"] == 0
    for query in ("from=yesterday", "to=2026-01-01T00:00:00", "format=xml", "limit=0"):
        body = await call(client, "GET", f"/v1/reconciliation?{query}", expect=400)
        assert body["error"]["code"] == "invalid_request", query


async def test_adjustment_is_an_entry_without_order(client: Client) -> None:
    start = await balance(client)
    entry = await call(
        client,
        "POST",
        "/sandbox/adjustment",
        json={"amount": usd(1234), "note": "goodwill"},
        expect=201,
    )
    assert entry["type"] == "adjustment" and entry["order_id"] is None
    assert entry["note"] == "goodwill" and entry["balance_after"]["amount"] == start + 1234
    assert await balance(client) == start + 1234
    for body in (
        {"amount": usd(0), "note": "x"},
        {"amount": {"amount": 5, "currency": "EUR"}, "note": "x"},
        {"amount": usd(5)},
    ):
        await call(client, "POST", "/sandbox/adjustment", json=body, expect=400)


async def test_reset_restores_the_opening_state(client: Client) -> None:
    start = await balance(client)
    await place(client, "steam-us-10", "r", 5)
    await call(client, "POST", "/sandbox/reset")
    assert await balance(client) == start
    await call(client, "GET", "/v1/orders?reference=r", expect=404)
    rec = await call(client, "GET", "/v1/reconciliation")
    assert [e["type"] for e in rec["entries"]] == ["topup"]
    again = await place(client, "steam-us-10", "r", 5)  # the reference is free again
    assert again["status"] == "completed"
