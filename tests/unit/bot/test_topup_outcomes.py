"""A top-up's supplier order as `decide` reads it (no codes: the credit is the delivery),
and the confirmation and order screen that replace a codes message."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from bot.rendering import render_notice
from bot.rendering.admin_orders import order_text
from bot.rendering.screens import order_details
from bot.rendering.topup import render_topup_delivery
from bot.services.admin_orders import AdminOrderDetails
from bot.services.order_queries import OrderDetails
from bot.services.reconciliation_rows import order_row
from bot.services.supplier_outcome import MISMATCH, decide
from storage.models import OrderStatus
from supplier.models import Money, TopupCredit
from supplier.models import Order as SupplierOrder
from tests.support.orders import NOW, make_order
from tests.support.supplier_orders import ORDER, order_in, supplier_order
from tests.support.topups import TOPUP

S = OrderStatus
PLAYER = "5123456789"
TOPUP_ORDER = dataclasses.replace(
    ORDER, sku=TOPUP.sku, quantity=1, total_price=1700, paid_amount=1700, player_id=PLAYER
)


def credited(status: str = "completed", player_id: str = PLAYER, **over: Any) -> SupplierOrder:
    return supplier_order(
        status,
        codes=0,
        sku=TOPUP.sku,
        quantity=1,
        player_id=player_id,
        topup=TopupCredit(
            player_id=player_id,
            display_name="SwiftFalcon042",
            amount=Money(amount=99, currency="USD"),
        ),
        fulfilled_quantity=1,
        **over,
    )


@pytest.mark.parametrize("status", [S.ORDERING, S.PENDING])
def test_a_completed_top_up_is_delivered_with_no_code(status: OrderStatus) -> None:
    order = dataclasses.replace(TOPUP_ORDER, status=status)
    decision = decide(order, credited(), ceiling=2040, now=NOW)
    assert decision.to is S.DELIVERED
    assert decision.codes == () and decision.send_codes  # the confirmation message
    assert decision.credit == 0
    assert decision.fields["fulfilled_quantity"] == 1


def test_a_top_up_the_supplier_sent_to_another_player_is_never_delivered() -> None:
    order = dataclasses.replace(TOPUP_ORDER, status=S.ORDERING)
    decision = decide(order, credited(player_id="5999999999"), ceiling=2040, now=NOW)
    assert decision.to is S.NEEDS_ATTENTION and decision.reason == MISMATCH
    assert not decision.send_codes


def test_a_failed_top_up_goes_to_refund() -> None:
    order = dataclasses.replace(TOPUP_ORDER, status=S.PENDING)
    failed = supplier_order(
        "failed", codes=0, sku=TOPUP.sku, quantity=1, player_id=PLAYER, fulfilled_quantity=0
    )
    decision = decide(order, failed, ceiling=2040, now=NOW)
    assert decision.to is S.FAILED and not decision.send_codes


def test_a_gift_card_completed_without_codes_still_fails() -> None:
    """The top-up rule does not let a codes order through empty-handed."""
    bare = supplier_order("completed", codes=0)
    assert decide(order_in(S.ORDERING), bare, ceiling=2040, now=NOW).to is S.FAILED


def delivered_topup(**over: object) -> OrderDetails:
    order = make_order(
        sku=TOPUP.sku, quantity=1, player_id=PLAYER, player_name="SwiftFalcon042", **over
    )
    return OrderDetails(order=order, product=TOPUP, codes=[])


@pytest.mark.parametrize(
    ("locale", "said"), [("en", "Credited to player"), ("ru", "Зачислено игроку")]
)
def test_the_confirmation_names_the_player_in_the_readers_language(locale: str, said: str) -> None:
    [message] = render_topup_delivery(delivered_topup(), locale=locale)
    assert said in message.text
    assert "<b>SwiftFalcon042</b>" in message.text and f"<code>{PLAYER}</code>" in message.text
    assert "GBABCDEFGH23" in message.text
    assert message.reply_markup is None  # nothing to copy: there is no code


def test_the_orders_screen_shows_a_top_up_delivered_to_the_player() -> None:
    text = order_details(delivered_topup(), locale="en")
    assert f"Delivered to player: SwiftFalcon042 (ID <code>{PLAYER}</code>)" in text
    refunded = order_details(delivered_topup(status=S.REFUNDED), locale="en")
    assert "Delivered to player" not in refunded and "For player: SwiftFalcon042" in refunded


def test_the_export_row_masks_the_player_id() -> None:
    row = order_row(delivered_topup().order, None, {}, {}, False)
    assert (row["kind"], row["player_id"]) == ("topup", "••••••6789")
    card = order_row(make_order(), None, {}, {}, False)
    assert (card["kind"], card["player_id"]) == ("code", None)


def test_admins_see_the_player_a_top_up_credited_in_full() -> None:
    order = delivered_topup().order
    text = order_text(AdminOrderDetails(order, TOPUP, [], []), Decimal("0.013"))
    assert f"Player: SwiftFalcon042 (<code>{PLAYER}</code>)" in text
    card = order_text(AdminOrderDetails(make_order(), None, [], []), Decimal("0.013"))
    assert "Player:" not in card


def test_a_paid_top_up_and_its_wait_speak_of_the_player_not_of_codes() -> None:
    order = delivered_topup(status=S.PENDING).order
    processing = render_notice("processing", order, TOPUP, locale="en").text
    assert "crediting the player&#x27;s account" in processing and "codes" not in processing
    card = render_notice("processing", make_order(status=S.PENDING), TOPUP, locale="en").text
    assert "preparing your codes" in card
