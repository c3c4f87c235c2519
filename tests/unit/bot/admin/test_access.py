"""Only ADMIN_IDS reach the console; everyone else gets the ordinary answers; every
admin action lands in the audit log."""

from __future__ import annotations

import json

import pytest
from aiogram.methods import SendDocument, SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.handlers.commands import set_admin_commands
from bot.keyboards.admin import AdminAction, AdminMenu, AdminRefund
from bot.services.audit import AuditTrail
from storage.models import OrderStatus
from tests.unit.bot.admin.console import ADMIN, CUSTOMER, Console

FALLBACK = "I didn&#x27;t get that. Open the menu with /start or see /help."
ADMIN_ONLY = [
    "/admin",
    "/balance",
    "/stock",
    "/sync",
    "/order GB1",
    "/refund GB1",
    "/resolve GB1",
    "/credit 42 +5 x",
    "/stats 7d",
    "/export 2026-01-01",
    "/stock steam",
]


@pytest.mark.parametrize("command", ADMIN_ONLY)
async def test_a_customer_gets_the_ordinary_fallback_with_no_hint(
    console: Console, command: str
) -> None:
    await console.send(command, user_id=CUSTOMER)
    assert console.texts() == [FALLBACK]
    assert console.session.of(SendDocument) == []
    assert await AuditTrail(console.storage.db).recent() == []


async def test_a_customers_orders_command_stays_their_own(console: Console) -> None:
    await console.order(OrderStatus.DELIVERED)
    await console.send("/orders", user_id=77)  # someone else's order exists
    assert "You have no orders yet." in console.texts()[-1]


async def test_admin_buttons_pressed_by_a_customer_do_nothing(console: Console) -> None:
    order = await console.order(OrderStatus.DELIVERED)
    await console.press(AdminMenu(action=AdminAction.BALANCE).pack(), user_id=CUSTOMER)
    await console.press(
        AdminRefund(order_id=order.id, seen=OrderStatus.DELIVERED).pack(), user_id=CUSTOMER
    )
    assert console.texts() == []
    assert all("out of date" in (a or "") for a in console.answers())
    assert console.refunder.calls == []
    assert await console.status_of(order.id) is OrderStatus.DELIVERED


async def test_admin_menu_reaches_every_command(console: Console) -> None:
    await console.send("/admin", user_id=ADMIN)
    text, _ = console.last_screen()
    for command in (
        "/balance",
        "/stock",
        "/sync",
        "/orders",
        "/order",
        "/refund",
        "/resolve",
        "/credit",
        "/stats",
        "/export",
    ):
        assert command in text
    assert set(console.buttons().values()) == {AdminMenu(action=a).pack() for a in AdminAction}


async def test_every_admin_action_is_audited_with_its_result(console: Console) -> None:
    await console.send("/balance", user_id=ADMIN)
    await console.send("/order GBNOPE", user_id=ADMIN)
    await console.press(AdminMenu(action=AdminAction.BALANCE).pack(), user_id=ADMIN)
    entries = list(reversed(await AuditTrail(console.storage.db).recent()))
    assert [(e.admin_id, e.action, e.target) for e in entries] == [
        (ADMIN, "balance", None),
        (ADMIN, "order", "GBNOPE"),
        (ADMIN, "button:am", "am:balance"),
    ]
    assert json.loads(entries[0].details) == {"args": "", "result": "available 50000 USD"}
    assert json.loads(entries[1].details) == {"args": "GBNOPE", "result": "not found"}


async def test_admin_commands_are_set_per_admin_chat_and_failures_are_skipped(
    console: Console,
) -> None:
    done = await set_admin_commands(console.bot, [ADMIN, 2])
    calls = console.session.of(SetMyCommands)
    assert done == 2
    assert all(isinstance(c.scope, BotCommandScopeChat) for c in calls)
    assert {c.scope.chat_id for c in calls if isinstance(c.scope, BotCommandScopeChat)} == {
        ADMIN,
        2,
    }
    names = [c.command for c in calls[0].commands]
    assert "balance" in names and "catalog" in names and names.count("orders") == 1
