"""/stats and /export as an admin."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile, StarTransaction, TransactionPartnerUser, User

from bot.services.stats import percentile, period_start
from storage.models import OrderStatus
from supplier import models as wire
from tests.unit.bot.admin.console import ADMIN, CUSTOMER, Console
from tests.unit.bot.harness import NOW

S = OrderStatus


def test_periods_and_percentiles() -> None:
    noon = NOW + timedelta(hours=12)
    assert period_start("today", noon) == NOW
    assert period_start("7d", noon) == noon - timedelta(days=7)
    with pytest.raises(ValueError, match="today, 7d, 30d"):
        period_start("year", noon)
    assert percentile([], 0.5) is None
    values = [float(n) for n in range(1, 21)]
    assert (percentile(values, 0.5), percentile(values, 0.95)) == (10.0, 19.0)


async def test_stats_counts_revenue_cost_margin_and_rates(console: Console) -> None:
    await console.order(S.DELIVERED, order_id="GBA")
    await console.order(S.DELIVERED, order_id="GBB")
    await console.order(S.FAILED, order_id="GBC")
    await console.order(S.PENDING, order_id="GBD")
    stats = await console.dp["stats"].compute("today")
    assert (stats.orders, stats.gross, stats.revenue) == (4, 6800, 6800)
    assert stats.wholesale == 3800 and stats.failed == 1 and stats.refunded == 0
    assert stats.revenue_usd == Decimal("88.40") and stats.margin_usd == Decimal("50.40")
    assert stats.rate(stats.failed) == Decimal("25.0")
    await console.send("/stats today", user_id=ADMIN)
    text = console.texts()[-1]
    assert "Paid orders: 4" in text and "Wholesale cost: $38.00" in text
    assert "Failure rate: 25.0 % (1)" in text and "median 0.0 s" in text


async def test_stats_with_a_bad_period_says_how(console: Console) -> None:
    await console.send("/stats forever", user_id=ADMIN)
    assert console.texts() == ["Usage: /stats [today|7d|30d]"]


def debit(reference: str, amount: int) -> wire.LedgerEntry:
    usd = wire.Money(amount=-amount, currency="USD")
    return wire.LedgerEntry(
        entry_id=f"e-{reference}",
        occurred_at=NOW,
        type="debit",
        reference=reference,
        order_id=f"so-{reference}",
        amount=usd,
        balance_after=wire.Money(amount=10_000, currency="USD"),
    )


async def test_export_sends_csv_and_json_that_agree(console: Console) -> None:
    order = await console.order(S.DELIVERED)
    console.scripted.ledger = [debit(order.id, 1900), debit("GBELSEWHERE", 500)]
    payer = TransactionPartnerUser(
        transaction_type="invoice_payment",
        user=User(id=CUSTOMER, is_bot=False, first_name="Ann"),
        invoice_payload=order.id,
    )
    console.session.star_transactions = [
        StarTransaction(id=f"charge-{order.id}", amount=1700, date=NOW, source=payer)
    ]
    await console.send("/export 2026-01-01 2026-01-01", user_id=ADMIN)
    csv_doc, json_doc = console.session.of(SendDocument)
    assert isinstance(csv_doc.document, BufferedInputFile)
    assert csv_doc.document.filename == "reconciliation-20260101-20260102.csv"
    assert "Orders: 1" in (csv_doc.caption or "")
    assert "supplier_debit_without_paid_order 1" in (csv_doc.caption or "")
    assert isinstance(json_doc.document, BufferedInputFile)
    document = json.loads(json_doc.document.data)
    rows = list(csv.DictReader(io.StringIO(csv_doc.document.data.decode())))
    assert [r["order_id"] for r in rows if r["section"] == "order"] == [order.id]
    assert document["orders"][0]["telegram_paid_minor"] == 1700
    assert [d["order_id"] for d in document["discrepancies"]] == ["GBELSEWHERE"]
    assert document["sources"]["telegram_star_transactions"] is True


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ("2026-02-30", "is not a date"),
        ("2026-02-02 2026-02-01", "ends before it starts"),
        ("2025-01-01 2026-12-31", "at most 400 days"),
        ("a b c", "Usage: /export"),
    ],
)
async def test_export_refuses_bad_periods(console: Console, args: str, error: str) -> None:
    await console.send(f"/export {args}", user_id=ADMIN)
    assert error in console.texts()[-1]
    assert console.session.of(SendDocument) == []
