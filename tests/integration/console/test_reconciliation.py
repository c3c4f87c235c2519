"""The reconciliation export against the sandbox supplier's ledger: every order matched,
each kind of discrepancy found, and the CSV and JSON saying the same."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.services.export_format import to_csv, to_json
from bot.services.reconciliation import Reconciler
from bot.services.star_ledger import StarTransaction
from storage.models import Order, OrderStatus
from storage.repositories import OrderRepository
from supplier.client import SupplierClient
from tests.export_agreement import assert_csv_agrees_with_json
from tests.support.shop import USER_ID, Control, Shop

S = OrderStatus


class FakeStars:
    """getStarTransactions as Telegram would answer it."""

    def __init__(self) -> None:
        self.txs: list[StarTransaction] = []

    def paid(self, order: Order) -> None:
        assert order.telegram_payment_charge_id and order.paid_amount
        self.txs.append(
            StarTransaction(
                order.telegram_payment_charge_id,
                USER_ID,
                order.paid_amount,
                order.id,
                datetime.now(UTC),
                refund=False,
            )
        )

    async def transactions(self) -> list[StarTransaction]:
        return list(self.txs)


def _as_refund(tx: StarTransaction) -> StarTransaction:
    return StarTransaction(tx.charge_id, tx.user_id, tx.amount, tx.payload, tx.at, refund=True)


async def test_every_kind_of_discrepancy_is_found_and_csv_agrees_with_json(
    shop: Shop, supplier: SupplierClient, control: Control
) -> None:
    stars = FakeStars()
    start = datetime.now(UTC) - timedelta(hours=1)
    clean = await shop.settle((await shop.paid_order("test-instant")).id)
    assert clean.status is S.DELIVERED
    stars.paid(clean)
    refunded = await shop.settle((await shop.paid_order("test-fail")).id)
    assert refunded.status is S.REFUNDED
    stars.paid(refunded)  # ...and Telegram shows no refund for it
    kept = await shop.settle((await shop.paid_order("test-instant")).id)
    stars.paid(kept)
    stars.txs.append(_as_refund(stars.txs[-1]))  # Telegram refunded it; we did not
    no_debit = await shop.paid_order("steam-us-20")
    stars.paid(no_debit)
    async with shop.storage.db.transaction() as conn:
        orders = OrderRepository(conn)
        now = datetime.now(UTC)
        await orders.transition(no_debit.id, expected=[S.PAID], to=S.ORDERING, now=now)
        await orders.transition(
            no_debit.id,
            expected=[S.ORDERING],
            to=S.DELIVERED,
            now=now,
            supplier_order_id="so-never-placed",
            fulfilled_quantity=1,
        )
    await supplier.create_order("test-instant", 1, reference="GBNOTOURS01")
    await control.post(
        "/sandbox/adjustment",
        {"amount": {"amount": -1234, "currency": "USD"}, "note": "manual correction"},
    )
    stars.txs.append(
        StarTransaction("stray-charge", 777, 50, "GBUNKNOWN", datetime.now(UTC), refund=False)
    )

    rec = await Reconciler(shop.storage.db, supplier).build(
        start, datetime.now(UTC) + timedelta(hours=1), stars
    )

    assert [row["order_id"] for row in rec.orders] == [
        clean.id,
        refunded.id,
        kept.id,
        no_debit.id,
    ]
    found = {(row["kind"], row["order_id"] or row["charge_id"]) for row in rec.discrepancies}
    assert found == {
        ("refund_missing_telegram_side", refunded.id),
        ("refund_missing_our_side", kept.id),
        ("paid_order_without_supplier_debit", no_debit.id),
        ("supplier_debit_without_paid_order", "GBNOTOURS01"),
        ("supplier_adjustment", None),
        ("payment_without_order", "stray-charge"),
    }
    adjustment = next(r for r in rec.discrepancies if r["kind"] == "supplier_adjustment")
    assert adjustment["note"] == "manual correction"
    row = rec.orders[0]
    assert row["supplier_debit_minor"] == clean.wholesale_unit_price
    assert row["supplier_debit"] == f"{clean.wholesale_unit_price / 100:.2f}"
    assert row["supplier_debit_currency"] == "USD"
    assert row["paid"] == str(clean.paid_amount) and row["paid_currency"] == "XTR"
    assert row["telegram_refunded"] is False and row["telegram_charge_id"]

    document = json.loads(to_json(rec))
    assert document["sources"]["telegram_star_transactions"] is True
    assert_csv_agrees_with_json(to_csv(rec), document)
