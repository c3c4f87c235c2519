"""`decide` as a table: every supplier status × every order status, no SQLite, no sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services.alerts import AlertKind
from bot.services.supplier_outcome import (
    MISMATCH,
    NOTHING,
    SUPPLIER_STATUSES,
    decide,
)
from storage.models import OrderStatus
from storage.order_states import is_allowed
from supplier.models import Money
from tests.support.orders import NOW
from tests.support.supplier_orders import ORDER, order_in, supplier_order

S = OrderStatus
CEILING = 2040

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
