"""The reconciliation's rows: flat records of scalars, so CSV and JSON carry the same values.
Money is three fields (minor units, decimal text, currency); timestamps are UTC text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from babel.numbers import get_currency_precision

from bot.services.pricing import STARS
from bot.services.topups import mask_player_id
from storage.models import Order
from supplier.models import LedgerEntry

if TYPE_CHECKING:  # the CLI's export runs without aiogram (slow to import)
    from bot.services.star_ledger import StarTransaction

Row = dict[str, Any]


def digits(currency: str) -> int:
    return 0 if currency == STARS else get_currency_precision(currency)


def money(prefix: str, minor: int | None, currency: str | None) -> Row:
    """Integer minor units, the decimal amount as text, and the currency."""
    if minor is None or currency is None:
        return {f"{prefix}_minor": None, prefix: None, f"{prefix}_currency": None}
    places = digits(currency)
    return {
        f"{prefix}_minor": minor,
        prefix: f"{Decimal(minor).scaleb(-places):.{places}f}",
        f"{prefix}_currency": currency,
    }


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SupplierSide:
    """The supplier's entries for one of our references."""

    debit: int = 0  # positive: what it charged
    refund: int = 0
    currency: str | None = None
    entries: list[LedgerEntry] = field(default_factory=list)


def entry_row(entry: LedgerEntry) -> Row:
    return {
        "entry_id": entry.entry_id,
        "occurred_at": stamp(entry.occurred_at),
        "type": entry.type,
        "reference": entry.reference,
        "supplier_order_id": entry.order_id,
        "sku": entry.sku,
        "quantity": entry.quantity,
        **money("amount", entry.amount.amount, entry.amount.currency),
        **money("balance_after", entry.balance_after.amount, entry.balance_after.currency),
        "note": entry.note,
    }


def order_row(
    order: Order,
    side: SupplierSide | None,
    paid_tx: dict[str, StarTransaction],
    refund_tx: dict[str, StarTransaction],
    have_stars: bool,
) -> Row:
    charge = order.telegram_payment_charge_id
    payment = paid_tx.get(charge) if charge else None
    wholesale = order.wholesale_currency
    return {
        "order_id": order.id,
        "user_id": order.user_id,
        "sku": order.sku,
        "quantity": order.quantity,
        "fulfilled_quantity": order.fulfilled_quantity,
        "status": order.status.value,
        "created_at": stamp(order.created_at),
        "paid_at": stamp(order.paid_at),
        "finished_at": stamp(order.finished_at),
        **money("price", order.total_price, order.currency),
        **money("paid", order.paid_amount or 0, order.currency),
        **money("credit_used", order.credit_used, order.currency),
        **money("credited", order.credited_amount, order.currency),
        **money("wholesale_quoted", order.wholesale_unit_price * order.quantity, wholesale),
        **money("supplier_debit", side.debit if side else 0, side.currency if side else wholesale),
        **money(
            "supplier_refund", side.refund if side else 0, side.currency if side else wholesale
        ),
        "supplier_order_id": order.supplier_order_id,
        "supplier_status": order.supplier_status,
        "telegram_charge_id": charge,
        "telegram_paid_minor": payment.amount if payment else None,
        "telegram_refunded": (charge in refund_tx) if have_stars and charge else None,
        # Top-ups: the game account credited, masked (docs/suppliers.md, "Top-ups").
        "kind": "topup" if order.is_topup else "code",
        "player_id": mask_player_id(order.player_id) if order.player_id else None,
    }


def discrepancy(
    kind: str,
    *,
    order: Order | None = None,
    entry: LedgerEntry | None = None,
    charge_id: str | None = None,
    expected: tuple[int, str] | None = None,
    actual: tuple[int, str] | None = None,
    note: str | None = None,
) -> Row:
    return {
        "kind": kind,
        "order_id": order.id if order else (entry.reference if entry else None),
        "entry_id": entry.entry_id if entry else None,
        "charge_id": charge_id or (order.telegram_payment_charge_id if order else None),
        "occurred_at": stamp(entry.occurred_at if entry else order.paid_at if order else None),
        **money("expected", *(expected or (None, None))),
        **money("actual", *(actual or (None, None))),
        "note": note,
    }
