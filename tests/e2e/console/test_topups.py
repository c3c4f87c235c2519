"""Game top-ups over the real processes: an id the supplier refuses never reaches an
invoice; a valid one is paid, credited, confirmed in chat, shown in /orders and exported."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import aiohttp

from bot.keyboards.callbacks import OrderOpen
from bot.keyboards.topup import TopupAction, TopupStart, TopupStep
from sandbox.telegram.driver import ChatUser, SandboxClient
from tests.e2e.processes import Stack
from tests.export_agreement import assert_csv_agrees_with_json
from tests.support.shopper import Shopper, Supplier, reply, text_of

SKU = "pubgm-global-60"
BRAND = "PUBG Mobile"
PLAYER = "5123456789"  # PUBG Mobile's format: 5 and nine digits
CANCEL = TopupStep(action=TopupAction.CANCEL).pack()
CONFIRM = TopupStep(action=TopupAction.CONFIRM).pack()


def orders_of(stack: Stack, user_id: int) -> list[tuple[str, str | None]]:
    with sqlite3.connect(f"file:{stack.workdir}/giftbot.db?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id, player_id FROM orders WHERE user_id = ?", (user_id,))
        return list(rows)


async def ask_for_player(shopper: Shopper) -> None:
    await shopper.start("US")
    card = await shopper.open_product(SKU, BRAND)
    assert "Game top-up" in text_of(card)
    await shopper.tap(TopupStart(sku=SKU).pack(), expect=CANCEL, text="Send the player ID")


async def test_a_refused_player_id_never_reaches_an_invoice(
    telegram: SandboxClient, console_stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    await ask_for_player(shopper)
    user = shopper.user
    await reply(user, "sandbox-invalid", "no player with this ID")
    await reply(user, "sandbox-region-mismatch", "cannot be sent to")
    await reply(user, "not an id!", "only letters, digits")
    await reply(user, "/cancel", "Top-up cancelled.")
    await reply(user, PLAYER, "Open the menu with /start")  # no longer read as an id
    chat = await user.chat()
    assert not [m for m in chat if "invoice" in m], "no sendInvoice reached this chat"
    assert not [m for m in chat if "Top up this player?" in text_of(m)]
    assert orders_of(console_stack, user.id) == []


async def test_a_valid_top_up_is_paid_credited_shown_and_exported(
    telegram: SandboxClient, supplier: Supplier, admin: ChatUser, console_stack: Stack
) -> None:
    shopper = await Shopper.join(telegram)
    await ask_for_player(shopper)
    user = shopper.user
    named = await reply(user, PLAYER, "Top up this player?")
    player_name = text_of(named).splitlines()[3]  # the name the sandbox derives from the id
    assert PLAYER in text_of(named) and player_name
    await user.press(named["message_id"], data=CONFIRM)
    invoice = await user.wait_for(lambda m: "invoice" in m, 20, after=named["message_id"])
    assert f"For player {player_name} (ID {PLAYER})" in invoice["invoice"]["description"]
    [(order_id, stored_player)] = orders_of(console_stack, user.id)
    assert stored_player == PLAYER
    assert (await user.pay(invoice["message_id"])).status == "paid"

    confirmation = await user.wait_for(
        lambda m: f"Your order {order_id}" in text_of(m), 20, after=invoice["message_id"]
    )
    assert f"Credited to player {player_name} (ID {PLAYER})" in text_of(confirmation)
    issued = await supplier.order_for(order_id)
    assert issued is not None and issued["status"] == "completed"
    assert issued["player_id"] == PLAYER and issued["codes"] == []
    assert issued["topup"]["display_name"] == player_name

    shopper.screen = await reply(user, "/orders", "Your orders")
    details = await shopper.tap(
        OrderOpen(order_id=order_id, page=0).pack(), text="Delivered to player"
    )
    assert f"Delivered to player: {player_name} (ID {PLAYER})" in text_of(details)

    document, csv_text = await export(admin, console_stack)
    [row] = [o for o in document["orders"] if o["order_id"] == order_id]
    assert (row["kind"], row["status"], row["fulfilled_quantity"]) == ("topup", "delivered", 1)
    assert row["player_id"] == "••••••6789"  # masked: the export travels further than chat
    assert PLAYER not in csv_text and PLAYER not in json.dumps(document)
    assert_csv_agrees_with_json(csv_text, document)


async def export(admin: ChatUser, stack: Stack) -> tuple[dict[str, Any], str]:
    """The admin's /export of today: the JSON document and the CSV one."""
    sent = await admin.send("/export")

    def named(suffix: str) -> Any:
        return lambda m: str(m.get("document", {}).get("file_name", "")).endswith(suffix)

    csv_doc = await admin.wait_for(named(".csv"), 30, after=sent["message_id"])
    json_doc = await admin.wait_for(named(".json"), 30, after=sent["message_id"])
    files: list[str] = []
    async with aiohttp.ClientSession(base_url=stack.telegram_url) as session:
        for doc in (json_doc, csv_doc):
            async with session.get(f"/sandbox/files/{doc['document']['file_id']}") as response:
                assert response.status == 200
                files.append(await response.text())
    return json.loads(files[0]), files[1]
