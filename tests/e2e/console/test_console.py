"""The console over the real processes: /balance is the supplier's, /refund pressed twice
refunds once, a customer sees no console, and the audit log keeps what admins did."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import aiohttp

from bot.keyboards.admin import AdminRefund
from sandbox.telegram.driver import ChatUser, SandboxClient
from storage.models import OrderStatus
from tests.e2e.processes import BOT_TOKEN, Stack
from tests.export_agreement import assert_csv_agrees_with_json
from tests.support.shopper import ADMIN_ID, Shopper, buttons, reply, text_of

AuditRow = tuple[int, str, str | None, dict[str, str]]


def audit_log(stack: Stack) -> list[AuditRow]:
    with sqlite3.connect(f"file:{stack.workdir}/giftbot.db?mode=ro", uri=True) as db:
        rows = db.execute("SELECT admin_id, action, target, details FROM audit_log ORDER BY id")
        return [(a, b, c, json.loads(d)) for a, b, c, d in rows]


async def audited(stack: Stack, action: str, count: int = 1) -> list[AuditRow]:
    """The audit rows of `action`, once there are `count` of them: the bot writes each
    just after its reply, and no event crosses the process boundary, so poll briefly."""
    async with asyncio.timeout(10):
        while True:
            rows = [row for row in audit_log(stack) if row[1] == action]
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.05)


async def test_balance_equals_the_suppliers_after_it_is_set(
    admin: ChatUser, supplier_session: aiohttp.ClientSession, console_stack: Stack
) -> None:
    body = {"amount": {"amount": 1_234_56, "currency": "USD"}}
    async with supplier_session.post("/sandbox/balance", json=body) as response:
        assert response.status == 200
    async with supplier_session.get("/v1/balance") as response:
        balance = await response.json()
    assert balance["available"]["amount"] == 1_234_56
    answer = await reply(admin, "/balance", "Supplier balance")
    assert "Available: $1,234.56" in text_of(answer)
    reserved = balance["reserved"]["amount"] / 100
    assert f"Reserved: ${reserved:,.2f}" in text_of(answer)
    [row] = await audited(console_stack, "balance")
    assert row[:3] == (ADMIN_ID, "balance", None)
    assert row[3]["result"] == "available 123456 USD"


async def test_a_customer_gets_no_console(telegram: SandboxClient) -> None:
    shopper = await Shopper.join(telegram)
    answer = await reply(shopper.user, "/balance", "I didn't get that")
    assert "Supplier" not in text_of(answer)


async def test_refund_pressed_twice_refunds_once(
    telegram: SandboxClient, admin: ChatUser, console_stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox")
    paid = await shopper.pay(checkout)
    assert paid.status == "paid"
    await shopper.delivery(checkout)

    prompt = await reply(admin, f"/refund {checkout.order_id}", "Refund order")
    confirm = AdminRefund(order_id=checkout.order_id, seen=OrderStatus.DELIVERED).pack()
    assert [b["callback_data"] for b in buttons(prompt)] == [confirm]
    await asyncio.gather(
        admin.press(prompt["message_id"], data=confirm),
        admin.press(prompt["message_id"], data=confirm),
    )
    done = f"✅ Order {checkout.order_id} is refunded."
    await admin.wait_for(lambda m: text_of(m) == done, 20, after=prompt["message_id"])
    await admin.wait_for(lambda m: "Nothing done" in text_of(m), 20, after=prompt["message_id"])
    notice = await shopper.wait_text(
        "Support refunded this order", after=checkout.invoice["message_id"]
    )
    assert "⭐" in text_of(notice)
    refunds = [
        t
        for t in await telegram.star_transactions()
        if t["id"] == paid.charge_id and "receiver" in t
    ]
    assert len(refunds) == 1
    confirms = await audited(console_stack, "button:ar", 2)
    # The second press found the order already moved on (voided or refunded by then).
    outcomes = sorted(e[3]["result"].split()[0] for e in confirms)
    assert outcomes == ["done", "stale"], confirms


async def test_a_product_set_out_of_stock_shows_out_of_stock_after_sync(
    admin: ChatUser, supplier_session: aiohttp.ClientSession
) -> None:
    body = {"sku": "steam-us-50", "available": 0}
    async with supplier_session.post("/sandbox/stock", json=body) as response:
        assert response.status == 200
    synced = await reply(admin, "/sync", "Catalog synced")
    assert "deactivated: 0" in text_of(synced)
    stock = await reply(admin, "/stock steam-us", "Stock")
    first = text_of(stock).splitlines()[1]
    assert "steam-us-50" in first and "out of stock" in first


async def test_export_finds_an_adjustment_and_a_refund_missing_on_our_side(
    telegram: SandboxClient,
    admin: ChatUser,
    supplier_session: aiohttp.ClientSession,
    console_stack: Stack,
) -> None:
    shopper = await Shopper.join(telegram)
    await shopper.start()
    checkout = await shopper.checkout("test-instant", "Sandbox")
    paid = await shopper.pay(checkout)
    await shopper.delivery(checkout)
    # Someone refunds the charge with the bot's token, outside the bot: Telegram has a
    # refund our order does not know of.
    async with aiohttp.ClientSession() as session:
        url = f"{console_stack.telegram_url}/bot{BOT_TOKEN}/refundStarPayment"
        body = {"user_id": shopper.user.id, "telegram_payment_charge_id": paid.charge_id}
        async with session.post(url, json=body) as response:
            assert (await response.json())["ok"] is True
    adjustment = {"amount": {"amount": -777, "currency": "USD"}, "note": "manual correction"}
    async with supplier_session.post("/sandbox/adjustment", json=adjustment) as response:
        assert response.status == 201

    sent = await admin.send("/export")
    csv_doc = await admin.wait_for(
        lambda m: "reconciliation" in str(m.get("document", {}).get("file_name", "")),
        30,
        after=sent["message_id"],
    )
    json_doc = await admin.wait_for(
        lambda m: str(m.get("document", {}).get("file_name", "")).endswith(".json"),
        30,
        after=csv_doc["message_id"],
    )
    assert "supplier_adjustment" in text_of(csv_doc)
    files: list[str] = []
    async with aiohttp.ClientSession(base_url=console_stack.telegram_url) as session:
        for doc in (csv_doc, json_doc):
            async with session.get(f"/sandbox/files/{doc['document']['file_id']}") as response:
                assert response.status == 200
                files.append(await response.text())
    document = json.loads(files[1])
    found = {(d["kind"], d["order_id"], d["actual_minor"]) for d in document["discrepancies"]}
    assert ("supplier_adjustment", None, -777) in found
    assert (
        "refund_missing_our_side",
        checkout.order_id,
        paid_amount(document, checkout.order_id),
    ) in found
    assert_csv_agrees_with_json(files[0], document)


def paid_amount(document: dict[str, Any], order_id: str) -> int:
    return next(int(o["paid_minor"]) for o in document["orders"] if o["order_id"] == order_id)


async def test_a_balance_drop_below_the_threshold_alerts_the_admin_once_and_its_recovery_once(
    admin: ChatUser, supplier_session: aiohttp.ClientSession
) -> None:
    async def set_balance(cents: int) -> None:
        body = {"amount": {"amount": cents, "currency": "USD"}}
        async with supplier_session.post("/sandbox/balance", json=body) as response:
            assert response.status == 200

    def alerts(chat: list[dict[str, Any]], fragment: str) -> int:
        return sum(fragment in text_of(m) for m in chat if m.get("from_bot"))

    low, back = "Supplier balance is low", "Supplier balance is back above"
    before = await admin.chat()
    await set_balance(50_00)  # LOW_BALANCE_ALERT is $100 by default
    # The monitor checks every 30 s; an alert arrives within 90 s of the crossing.
    await admin.wait_for(lambda m: low in text_of(m), 90, after=before[-1]["message_id"])
    await set_balance(500_00)
    recovered = await admin.wait_for(lambda m: back in text_of(m), 90)
    chat = await admin.chat()
    assert alerts(chat, low) - alerts(before, low) == 1
    assert alerts(chat, back) - alerts(before, back) == 1
    assert "$500.00" in text_of(recovered)
