"""/refund and /resolve as an admin: the state table decides, the money moves once."""

from __future__ import annotations

import asyncio

import pytest

from bot.keyboards.admin import AdminRefund, AdminRefundAsk, AdminResolve
from bot.services.order_actions import Resolution
from storage.models import OrderStatus
from storage.repositories import CreditRepository, OrderRepository
from tests.unit.bot.admin.console import ADMIN, CUSTOMER, Console

S = OrderStatus


async def timeline(console: Console, order_id: str) -> list[tuple[str, str, str | None]]:
    async with console.storage.db.read() as conn:
        steps = await OrderRepository(conn).timeline(order_id)
    return [(str(t.from_status), t.to_status.value, t.reason) for t in steps]


async def test_refund_asks_first_and_changes_nothing_until_confirmed(console: Console) -> None:
    order = await console.order(S.DELIVERED)
    await console.send(f"/refund {order.id}", user_id=ADMIN)
    text, _ = console.last_screen()
    assert "Refund order" in text and "the codes stay with the customer" in text
    assert console.buttons() == {
        "✅ Confirm refund": AdminRefund(order_id=order.id, seen=S.DELIVERED).pack()
    }
    assert await console.status_of(order.id) is S.DELIVERED
    assert console.refunder.calls == []


@pytest.mark.parametrize("concurrently", [False, True])
async def test_refund_of_a_delivered_order_pressed_twice_refunds_once(
    console: Console, concurrently: bool
) -> None:
    order = await console.order(S.DELIVERED)
    confirm = AdminRefund(order_id=order.id, seen=S.DELIVERED).pack()
    if concurrently:
        await asyncio.gather(
            console.press(confirm, user_id=ADMIN), console.press(confirm, user_id=ADMIN)
        )
    else:
        await console.press(confirm, user_id=ADMIN)
        await console.press(confirm, user_id=ADMIN)
    assert console.refunder.calls == [(CUSTOMER, f"charge-{order.id}")]
    assert await console.status_of(order.id) is S.REFUNDED
    texts = sorted(console.texts())
    assert texts[0].startswith("ℹ️ Nothing done: order") and "is now" in texts[0]
    assert texts[1] == f"✅ Order <code>{order.id}</code> is refunded."
    assert await console.notices() == [(CUSTOMER, "refunded_by_support")]
    steps = await timeline(console, order.id)
    assert steps[-2:] == [
        ("delivered", "voided", f"refunded by admin {ADMIN}"),
        ("voided", "refunded", None),
    ]


async def test_refund_due_is_marked_refunded_once_the_operator_confirms(
    console: Console,
) -> None:
    order = await console.order(S.REFUND_DUE)
    await console.send(f"/refund {order.id}", user_id=ADMIN)
    assert "confirm only once you refunded it outside Telegram" in console.last_screen()[0]
    assert "✅ I refunded it outside Telegram" in console.buttons()
    confirm = AdminRefund(order_id=order.id, seen=S.REFUND_DUE).pack()
    await console.press(confirm, user_id=ADMIN)
    await console.press(confirm, user_id=ADMIN)
    assert console.refunder.calls == []  # the money went back outside Telegram
    assert await console.status_of(order.id) is S.REFUNDED
    assert await console.notices() == [(CUSTOMER, "refunded")]
    assert (await timeline(console, order.id))[-1][2] == (
        f"refunded outside Telegram: refunded by admin {ADMIN}"
    )


@pytest.mark.parametrize("status", [S.PAID, S.PENDING, S.FAILED, S.NEEDS_ATTENTION])
async def test_refund_of_a_paid_open_order_goes_through_failed(
    console: Console, status: OrderStatus
) -> None:
    order = await console.order(status)
    await console.press(AdminRefund(order_id=order.id, seen=status).pack(), user_id=ADMIN)
    assert console.refunder.calls == [(CUSTOMER, f"charge-{order.id}")]
    assert await console.status_of(order.id) is S.REFUNDED
    assert [to for _, to, _ in await timeline(console, order.id)][-2:] == ["failed", "refunded"]
    assert await console.notices() == [(CUSTOMER, "refunded")]


async def test_a_stale_confirm_does_nothing(console: Console) -> None:
    order = await console.order(S.PENDING)
    # Asked while pending; the order was delivered before the operator pressed.
    async with console.storage.db.transaction() as conn:
        await OrderRepository(conn).transition(
            order.id, expected=[S.PENDING], to=S.DELIVERED, now=order.created_at
        )
    await console.press(AdminRefund(order_id=order.id, seen=S.PENDING).pack(), user_id=ADMIN)
    assert console.refunder.calls == []
    assert await console.status_of(order.id) is S.DELIVERED
    assert "Nothing done" in console.texts()[-1] and "is now delivered" in console.texts()[-1]


async def test_an_unpaid_order_has_nothing_to_refund(console: Console) -> None:
    order = await console.order(S.QUOTED)
    await console.send(f"/refund {order.id}", user_id=ADMIN)
    text, markup = console.last_screen()
    assert "A quoted order has nothing to refund." in text and markup is None
    await console.press(AdminRefund(order_id=order.id, seen=S.QUOTED).pack(), user_id=ADMIN)
    assert "nothing to refund" in console.texts()[-1]
    assert await console.status_of(order.id) is S.QUOTED


async def test_refund_button_on_the_order_asks_to_confirm(console: Console) -> None:
    order = await console.order(S.FAILED)
    await console.press(AdminRefundAsk(order_id=order.id).pack(), user_id=ADMIN)
    assert "refund already under way" in console.last_screen()[0]


async def test_resolve_shows_the_reason_and_the_choices(console: Console) -> None:
    order = await console.order(S.NEEDS_ATTENTION)
    await console.send(f"/resolve {order.id}", user_id=ADMIN)
    text, _ = console.last_screen()
    assert "Reason: deadline" in text and "Stopped in: ordering" in text
    assert set(console.buttons().values()) == {
        AdminResolve(order_id=order.id, action=a).pack() for a in Resolution
    }


async def test_resolve_retry_goes_back_to_where_the_order_stopped(console: Console) -> None:
    order = await console.order(S.NEEDS_ATTENTION)
    retry = AdminResolve(order_id=order.id, action=Resolution.RETRY).pack()
    await console.press(retry, user_id=ADMIN)
    await console.press(retry, user_id=ADMIN)
    # Back in ordering; the supplier does not answer, so the bot keeps trying by itself.
    assert await console.status_of(order.id) is S.ORDERING
    assert "is ordering; the bot carries on by itself" in console.texts()[0]
    assert "Nothing done" in console.texts()[1]
    assert (await timeline(console, order.id))[-1] == (
        "needs_attention",
        "ordering",
        f"retry by admin {ADMIN}",
    )


@pytest.mark.parametrize(("action", "to"), [("refunded", S.REFUNDED), ("delivered", S.DELIVERED)])
async def test_resolve_closes_by_hand_with_a_note(
    console: Console, action: str, to: OrderStatus
) -> None:
    order = await console.order(S.NEEDS_ATTENTION)
    await console.send(f"/resolve {order.id} {action} paid back   by card #123", user_id=ADMIN)
    assert await console.status_of(order.id) is to
    assert (await timeline(console, order.id))[-1][2] == f"{action} by hand: paid back by card #123"
    assert console.refunder.calls == []
    expected = [(CUSTOMER, "refunded")] if to is S.REFUNDED else []
    assert await console.notices() == expected


async def test_resolve_refund_returns_the_money_and_the_credit(console: Console) -> None:
    order = await console.order(S.NEEDS_ATTENTION)
    await console.press(
        AdminResolve(order_id=order.id, action=Resolution.REFUND).pack(), user_id=ADMIN
    )
    assert console.refunder.calls == [(CUSTOMER, f"charge-{order.id}")]
    assert await console.status_of(order.id) is S.REFUNDED
    async with console.storage.db.read() as conn:
        assert await CreditRepository(conn).balance(CUSTOMER, "XTR") == 0


async def test_resolve_refuses_an_order_that_needs_no_attention(console: Console) -> None:
    order = await console.order(S.DELIVERED)
    await console.send(f"/resolve {order.id}", user_id=ADMIN)
    await console.send(f"/resolve {order.id} delivered done", user_id=ADMIN)
    await console.send(f"/resolve {order.id} explode", user_id=ADMIN)
    assert console.texts() == [
        "Only a needs_attention order can be resolved (delivered).",
        f"ℹ️ Nothing done: order <code>{order.id}</code> is now delivered.",
        "Usage: /resolve &lt;id&gt; [retry|refund|refunded|delivered] [note]",
    ]
    assert await console.status_of(order.id) is S.DELIVERED
