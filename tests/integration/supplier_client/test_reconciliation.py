"""After a mixed run the ledger reconciles: JSON, CSV and the balance tell one story."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from supplier.client import SupplierClient
from tests.integration.supplier_client.receiver import WebhookReceiver

SETTLED = {
    "mix-pending": "order.fulfilled",
    "mix-fail": "order.failed",
    "mix-refund": "order.refunded",
}


@pytest.fixture
async def mixed_run(client: SupplierClient, webhooks: WebhookReceiver) -> tuple[datetime, datetime]:
    start = datetime.now(UTC) - timedelta(seconds=1)
    await client.create_order("test-instant", 2, "mix-instant")
    await client.create_order("test-pending", 1, "mix-pending")
    await client.create_order("test-partial", 3, "mix-partial")
    await client.create_order("test-fail", 1, "mix-fail")
    await client.create_order("test-refund-later", 1, "mix-refund")
    await client.create_order("test-500-committed", 1, "mix-lost")

    await webhooks.wait_for(lambda r: all(r.has(ref, kind) for ref, kind in SETTLED.items()))
    return start, datetime.now(UTC) + timedelta(seconds=1)


async def test_ledger_invariant_holds_and_matches_the_balance(
    client: SupplierClient, mixed_run: tuple[datetime, datetime]
) -> None:
    ledger = await client.get_reconciliation(*mixed_run)
    balance = await client.get_balance()

    total = sum(entry.amount.amount for entry in ledger.entries)
    assert ledger.opening_balance.amount + total == ledger.closing_balance.amount
    assert balance.available.amount == ledger.closing_balance.amount
    running = ledger.opening_balance.amount
    for entry in ledger.entries:
        running += entry.amount.amount
        assert entry.balance_after.amount == running
    by_type = {(e.reference, e.type) for e in ledger.entries}
    assert {
        ("mix-instant", "debit"),
        ("mix-partial", "refund"),
        ("mix-fail", "refund"),
        ("mix-refund", "refund"),
        ("mix-lost", "debit"),
    } <= by_type
    debits = [e.reference for e in ledger.entries if e.type == "debit"]
    assert len(debits) == len(set(debits)) == 6  # one debit per order, none twice


async def test_csv_agrees_with_json(
    client: SupplierClient, mixed_run: tuple[datetime, datetime]
) -> None:
    ledger = await client.get_reconciliation(*mixed_run)
    rows = list(csv.DictReader(io.StringIO(await client.reconciliation_csv(*mixed_run))))

    assert [row["entry_id"] for row in rows] == [e.entry_id for e in ledger.entries]
    for row, entry in zip(rows, ledger.entries, strict=True):
        assert int(row["amount"]) == entry.amount.amount
        assert int(row["balance_after"]) == entry.balance_after.amount
        assert row["type"] == entry.type
        assert row["reference"] == (entry.reference or "")


async def test_small_pages_join_to_the_same_ledger(
    client: SupplierClient, mixed_run: tuple[datetime, datetime]
) -> None:
    whole = await client.get_reconciliation(*mixed_run)
    paged = await client.get_reconciliation(*mixed_run, page_size=2)
    streamed = [e async for e in client.iter_reconciliation(*mixed_run, page_size=3)]

    assert len(whole.entries) > 3  # several pages at these sizes
    assert paged == whole
    assert streamed == whole.entries
    assert await client.reconciliation_csv(*mixed_run, page_size=2) == (
        await client.reconciliation_csv(*mixed_run)
    )
