"""What operators see of several suppliers: attempts on /order, balances on /balance."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.rendering.admin_orders import attempt_line
from bot.rendering.admin_supply import balance_text
from bot.services.admin_supply import BalanceReport, SupplierBalance
from bot.services.reconciliation import attempts_columns
from storage.repositories.supplier_attempts import (
    AttemptStatus,
    SupplierAttempt,
    attempt_reference,
)

AT = datetime(2026, 11, 26, 12, 30, 5, tzinfo=UTC)


def attempt(
    n: int, supplier: str, status: AttemptStatus, error: str | None = None
) -> SupplierAttempt:
    return SupplierAttempt(
        "GBORDER00001",
        n,
        supplier,
        attempt_reference("GBORDER00001", n),
        status,
        error,
        AT,
        None,
    )


def test_references_are_the_order_id_then_numbered() -> None:
    assert attempt_reference("GBX", 0) == "GBX", "orders placed before routing keep theirs"
    assert attempt_reference("GBX", 2) == "GBX-2"


def test_an_attempt_line_names_the_supplier_reference_status_and_error() -> None:
    line = attempt_line(attempt(1, "alpha", "refused", "out_of_stock"))
    assert line == "1. alpha <code>GBORDER00001-1</code> refused (out_of_stock) 11-26 12:30:05"


def test_the_export_cells_list_every_attempt_and_the_current_supplier() -> None:
    cells = attempts_columns(
        [attempt(1, "alpha", "refused", "out_of_stock"), attempt(2, "beta", "placed")]
    )
    assert cells == {
        "supplier": "beta",
        "supplier_attempts": "alpha GBORDER00001-1 refused (out_of_stock);"
        " beta GBORDER00001-2 placed",
    }
    assert attempts_columns([]) == {"supplier": None, "supplier_attempts": ""}


def report(*suppliers: SupplierBalance) -> BalanceReport:
    return BalanceReport(
        available=50_000,
        reserved=0,
        currency="USD",
        threshold=10_000,
        spend_7d=0,
        updated_at=AT,
        suppliers=suppliers,
    )


def test_balance_shows_each_supplier_when_there_are_several() -> None:
    text = balance_text(
        report(
            SupplierBalance("alpha", 50_000, "USD", None, skipped=False),
            SupplierBalance("beta", None, None, "SupplierTimeout", skipped=True),
        )
    )
    lines = text.splitlines()
    by = lines.index("<b>By supplier</b>")
    assert lines[by + 1].startswith("alpha: ") and "500" in lines[by + 1]
    assert lines[by + 2] == "beta: unavailable (SupplierTimeout) · ⛔ skipped (circuit open)"


def test_balance_of_one_supplier_has_no_breakdown() -> None:
    assert "By supplier" not in balance_text(report())
