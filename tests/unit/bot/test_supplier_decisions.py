"""`decide` as a table: every supplier status × every order status, no SQLite, no sandbox."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.services.alerts import AlertKind
from bot.services.supplier_outcome import (
    DEADLINE,
    MISMATCH,
    NOTHING,
    SUPPLIER_STATUSES,
    decide,
)
from storage.models import Order, OrderStatus
from storage.order_states import is_allowed
from supplier.models import Code, Money
from supplier.models import Order as SupplierOrder
from tests.support.orders import NOW, make_order

S = OrderStatus
CEILING = 2040

ORDER = make_order(
    id="GB1",
    user_id=1,
    chat_id=1,
    unit_price=1700,
    total_price=3400,
    status=S.ORDERING,
    paid_amount=3400,
    telegram_payment_charge_id="ch",
    supplier_order_id=None,
    supplier_status=None,
    supplier_version=0,
    fulfilled_quantity=0,
    finished_at=None,
)


def supplier_order(
    status: str, *, codes: int = 2, version: int = 2, **over: object
) -> SupplierOrder:
    fields: dict[str, object] = {
        "order_id": "sup-1",
        "reference": "GB1",
        "sku": "steam-us-20",
        "quantity": 2,
        "status": status,
        "unit_price": Money(amount=2000, currency="USD"),
        "total": Money(amount=4000, currency="USD"),
        "fulfilled_quantity": codes,
        "codes": [Code(code=f"CODE-{i}") for i in range(codes)],
        "failure_reason": "out_of_stock" if status == "failed" else None,
        "created_at": NOW,
        "updated_at": NOW,
        "version": version,
    }
    return SupplierOrder.model_validate(fields | over)


def order_in(status: OrderStatus, **over: Any) -> Order:
    extra: dict[str, Any] = {}
    if status is S.NEEDS_ATTENTION:
        extra = {"attention_reason": DEADLINE, "attention_from": S.PENDING}
    return dataclasses.replace(ORDER, status=status, **(extra | over))


# (order status, supplier status, codes issued) → expected target (None: nothing happens)
EXPECTED: dict[tuple[OrderStatus, str, int], OrderStatus | None] = {}
for status in OrderStatus:
    for supplied in SUPPLIER_STATUSES:
        for issued in (0, 1, 2):
            target: OrderStatus | None = None
            if status in (S.ORDERING, S.PENDING, S.NEEDS_ATTENTION):
                if supplied == "pending":
                    target = S.PENDING if status is not S.NEEDS_ATTENTION else None
                elif supplied in ("completed", "partial") and issued:
                    target = S.DELIVERED if issued == 2 else S.PARTIAL
                else:
                    target = S.FAILED
            elif status in (S.DELIVERED, S.PARTIAL) and supplied == "refunded":
                target = S.VOIDED
            EXPECTED[(status, supplied, issued)] = target


@pytest.mark.parametrize(("status", "supplied", "issued"), sorted(EXPECTED))
def test_every_supplier_status_against_every_order_status(
    status: OrderStatus, supplied: str, issued: int
) -> None:
    decision = decide(
        order_in(status), supplier_order(supplied, codes=issued), ceiling=CEILING, now=NOW
    )
    expected = EXPECTED[(status, supplied, issued)]
    assert decision.to is expected
    if expected is not None:
        assert is_allowed(status, expected), "decide only proposes moves the table allows"
    if expected in (S.DELIVERED, S.PARTIAL):
        assert decision.send_codes and len(decision.codes) == issued
        assert decision.credit == (2 - issued) * ORDER.unit_price
    else:
        assert not decision.send_codes and not decision.codes and not decision.credit
    if expected is S.VOIDED:
        assert (decision.notice, decision.alert) == ("voided", AlertKind.VOIDED)
        assert decision.fields["voided_at"] == NOW


def test_stale_and_repeated_news_changes_nothing() -> None:
    pending = order_in(S.PENDING, supplier_order_id="sup-1", supplier_version=3)
    for version in (1, 2, 3):
        assert (
            decide(pending, supplier_order("completed", version=version), ceiling=CEILING, now=NOW)
            is NOTHING
        )
    assert (
        decide(pending, supplier_order("completed", version=4), ceiling=CEILING, now=NOW).to
        is S.DELIVERED
    )


@pytest.mark.parametrize(
    "mismatch",
    [
        {"sku": "steam-us-50"},
        {"quantity": 3},
        {"unit_price": Money(amount=CEILING + 1, currency="USD")},
        {"unit_price": Money(amount=2000, currency="EUR")},
    ],
)
def test_a_supplier_order_that_is_not_what_was_bought_goes_to_a_person(
    mismatch: dict[str, Any],
) -> None:
    decision = decide(
        order_in(S.ORDERING), supplier_order("completed", **mismatch), ceiling=CEILING, now=NOW
    )
    assert (decision.to, decision.reason, decision.alert) == (
        S.NEEDS_ATTENTION,
        MISMATCH,
        AlertKind.NEEDS_ATTENTION,
    )
    assert not decision.send_codes


def test_needs_attention_for_another_reason_takes_no_supplier_news() -> None:
    waiting = order_in(S.NEEDS_ATTENTION, attention_reason=MISMATCH, attention_from=S.ORDERING)
    assert decide(waiting, supplier_order("completed"), ceiling=CEILING, now=NOW) is NOTHING


def test_news_for_another_reference_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not for GB1"):
        decide(
            order_in(S.PENDING),
            supplier_order("completed", reference="GB2"),
            ceiling=CEILING,
            now=NOW,
        )
