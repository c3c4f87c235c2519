"""/orders [status] and /order <id> as an admin: paged, needs_attention first, codes masked."""

from __future__ import annotations

import logging

import pytest

from bot.keyboards.admin import AdminOrderOpen, AdminOrdersPage, AdminRefundAsk
from bot.services.admin_orders import mask_code
from storage.models import Code, OrderStatus
from storage.repositories import CodeRepository
from tests.unit.bot.admin.console import ADMIN, Console
from tests.unit.bot.harness import NOW

CODE = "STEAM-ABCD-EFGH-WXYZ"


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("STEAM-ABCD-EFGH-WXYZ", "••••WXYZ"),
        ("ABCDEFGH", "••••EFGH"),
        ("ABCD", "••••CD"),
        ("A", "••••"),
        ("", "••••"),
    ],
)
def test_a_masked_code_never_shows_the_whole_code(code: str, shown: str) -> None:
    assert mask_code(code) == shown


async def test_orders_lists_needs_attention_first_and_pages(console: Console) -> None:
    for n in range(9):
        await console.order(OrderStatus.DELIVERED, order_id=f"GBD{n}")
    await console.order(OrderStatus.NEEDS_ATTENTION, order_id="GBN")
    await console.order(OrderStatus.QUOTED, order_id="GBQ")  # unpaid: not listed
    await console.send("/orders", user_id=ADMIN)
    text, _ = console.last_screen()
    assert "· 10 · page 1/2" in text
    assert text.splitlines()[1].startswith("🛟 <code>GBN</code> needs_attention")
    assert "GBQ" not in text
    buttons = console.buttons()
    assert buttons["GBN"] == AdminOrderOpen(order_id="GBN").pack()
    assert buttons["▶️"] == AdminOrdersPage(status="", page=1).pack()
    await console.press(AdminOrdersPage(status="", page=1).pack(), user_id=ADMIN)
    assert "page 2/2" in console.last_screen()[0]


async def test_orders_filtered_by_status(console: Console) -> None:
    await console.order(OrderStatus.DELIVERED, order_id="GBD")
    await console.order(OrderStatus.FAILED, order_id="GBF")
    await console.send("/orders failed", user_id=ADMIN)
    text, _ = console.last_screen()
    assert "GBF" in text and "GBD" not in text and "(failed) · 1" in text


async def test_orders_with_an_unknown_status_says_which_exist(console: Console) -> None:
    await console.send("/orders lost", user_id=ADMIN)
    assert "Unknown status. One of: quoted, expired" in console.texts()[-1]


async def test_order_details_mask_codes_and_show_money_and_timeline(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    order = await console.order(OrderStatus.DELIVERED)
    async with console.storage.db.transaction() as conn:
        await CodeRepository(conn, console.storage.cipher).add_codes(
            order.id, [Code(code=CODE, pin="9999")], NOW
        )
    await console.send(f"/order {order.id.lower()}", user_id=ADMIN)
    text, _ = console.last_screen()
    assert CODE not in text and "9999" not in text
    assert "<code>••••WXYZ</code>" in text
    assert "Price: ⭐ 1 700 (≈ $22.10)" in text  # 1 700 × 0.013
    assert "Wholesale: $19.00" in text
    assert "credit used: ⭐ 0" in text
    assert f"Charge id: <code>charge-{order.id}</code>" in text
    assert f"Supplier order: <code>so-{order.id}</code>" in text
    assert "created → quoted" in text and "quoted → paid" in text
    assert "ordering → delivered" in text
    assert console.buttons() == {"↩️ Refund…": AdminRefundAsk(order_id=order.id).pack()}
    assert CODE not in caplog.text
    console.clear()
    await console.press(AdminOrderOpen(order_id=order.id).pack(), user_id=ADMIN)
    assert "••••WXYZ" in console.texts()[-1]
    assert all(CODE not in t for t in console.texts())


async def test_order_unknown_or_missing_id(console: Console) -> None:
    await console.send("/order", user_id=ADMIN)
    await console.send("/order GBNONE", user_id=ADMIN)
    assert console.texts() == [
        "Usage: /order &lt;id&gt;",
        "No such order. Usage: /order &lt;id&gt;",
    ]
