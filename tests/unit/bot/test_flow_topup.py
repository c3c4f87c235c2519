"""A top-up from its card to the invoice, through the real routers and a real database:
player id → the supplier names the player → Confirm → quote. Every refusal keeps the
customer on the step with a reason, and no invoice goes out before Confirm."""

from __future__ import annotations

import dataclasses

import pytest
from aiogram.methods import AnswerCallbackQuery, SendInvoice, SendMessage

from bot.keyboards.callbacks import Buy, ProductOpen
from bot.keyboards.topup import TopupAction, TopupStart, TopupStep
from bot.services.topups import TopupService
from storage.models import OrderStatus
from storage.repositories import OrderRepository
from supplier.errors import InvalidPlayerId, RegionMismatch, SupplierTimeout
from tests.support.fake_supplier import FakeSupplier
from tests.unit.bot.harness import Harness, choose_us, product_data

SKU = "pubgm-global-60"
PLAYER = "5123456789"


@pytest.fixture
async def validation(h: Harness) -> FakeSupplier:
    topup = dataclasses.replace(
        product_data(SKU, brand="PUBG Mobile", region="GLOBAL", face=99),
        name="PUBG Mobile 60 UC (GLOBAL)",
        max_quantity=1,
        kind="topup",
    )
    await h.add_products(topup)
    h.dp["topups"] = TopupService(h.supplier)
    await choose_us(h)
    return h.supplier


async def orders_of(h: Harness) -> list[str]:
    async with h.storage.db.read() as conn:
        cursor = await conn.execute("SELECT id FROM orders ORDER BY created_at")
        return [row[0] for row in await cursor.fetchall()]


async def ask_for_player(h: Harness) -> None:
    await h.press(TopupStart(sku=SKU).pack())
    h.clear()


async def test_the_card_offers_a_top_up_button_instead_of_quantities(
    h: Harness, validation: FakeSupplier
) -> None:
    await h.press(ProductOpen(sku=SKU).pack())
    text, _ = h.last_screen()
    assert "Game top-up" in text
    buttons = h.buttons()
    assert buttons["🎮 Top up"] == TopupStart(sku=SKU).pack()
    assert not [data for data in buttons.values() if data.startswith("buy:")]


async def test_top_up_asks_for_the_player_id_with_a_cancel_button(
    h: Harness, validation: FakeSupplier
) -> None:
    await h.press(TopupStart(sku=SKU).pack())
    text, _ = h.last_screen()
    assert "Send the player ID" in text and "/cancel" in text
    assert h.buttons() == {"✖️ Cancel": TopupStep(action=TopupAction.CANCEL).pack()}


async def test_a_malformed_id_is_refused_before_the_supplier_is_asked(
    h: Harness, validation: FakeSupplier
) -> None:
    await ask_for_player(h)
    await h.send("512 345 6789")
    assert "only letters, digits" in h.texts()[-1]
    await h.send("5" * 65)
    assert "too long" in h.texts()[-1]
    assert validation.asked("validate_topup") == []
    assert not h.session.of(SendInvoice) and await orders_of(h) == []


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (InvalidPlayerId(422, "invalid_player_id"), "no player with this ID"),
        (RegionMismatch(422, "region_mismatch"), "cannot be sent to"),
        (SupplierTimeout("deadline"), "did not answer in time"),
    ],
)
async def test_a_refused_id_is_explained_and_sending_another_is_the_retry(
    h: Harness, validation: FakeSupplier, error: Exception, said: str
) -> None:
    await ask_for_player(h)
    validation.failing["validate_topup"] = error
    await h.send(PLAYER)
    assert said in h.texts()[-1]
    assert not h.session.of(SendInvoice) and await orders_of(h) == []
    del validation.failing["validate_topup"]
    await h.send(PLAYER)  # still on the player id step
    text, _ = h.last_screen()
    assert "Top up this player?" in text and "SwiftFalcon042" in text and PLAYER in text
    assert len(validation.asked("validate_topup")) == 2
    assert not h.session.of(SendInvoice) and await orders_of(h) == []


async def test_confirm_quotes_one_pack_for_the_player_and_the_invoice_names_them(
    h: Harness, validation: FakeSupplier
) -> None:
    await ask_for_player(h)
    await h.send(PLAYER)
    assert set(h.buttons()) == {"✅ Confirm", "✏️ Change", "✖️ Cancel"}
    await h.press(TopupStep(action=TopupAction.CONFIRM).pack())
    [invoice] = h.session.of(SendInvoice)
    assert f"For player SwiftFalcon042 (ID {PLAYER})" in invoice.description
    assert "Codes arrive" not in invoice.description
    async with h.storage.db.read() as conn:
        order = await OrderRepository(conn).get_order(invoice.payload)
    assert order.status is OrderStatus.QUOTED
    assert (order.sku, order.quantity) == (SKU, 1)
    assert (order.player_id, order.player_name) == (PLAYER, "SwiftFalcon042")
    # The flow is over: a second press of Confirm quotes nothing more.
    await h.press(TopupStep(action=TopupAction.CONFIRM).pack())
    assert len(h.session.of(SendInvoice)) == 1
    assert "out of date" in (h.session.of(AnswerCallbackQuery)[-1].text or "")


async def test_change_asks_again_and_the_new_player_is_the_one_quoted(
    h: Harness, validation: FakeSupplier
) -> None:
    await ask_for_player(h)
    await h.send(PLAYER)
    await h.press(TopupStep(action=TopupAction.CHANGE).pack())
    assert "Send the player ID" in h.last_screen()[0]
    await h.send("5999999999")
    await h.press(TopupStep(action=TopupAction.CONFIRM).pack())
    [invoice] = h.session.of(SendInvoice)
    async with h.storage.db.read() as conn:
        order = await OrderRepository(conn).get_order(invoice.payload)
    assert order.player_id == "5999999999"


@pytest.mark.parametrize("how", ["command", "button"])
async def test_cancel_leaves_the_flow_and_changes_nothing(
    h: Harness, validation: FakeSupplier, how: str
) -> None:
    await ask_for_player(h)
    await h.send(PLAYER)
    if how == "command":
        await h.send("/cancel")
        assert h.texts()[-1] == "Top-up cancelled."
    else:
        await h.press(TopupStep(action=TopupAction.CANCEL).pack())
        assert h.last_screen()[0] == "Top-up cancelled."
    await h.press(TopupStep(action=TopupAction.CONFIRM).pack())
    await h.send(PLAYER)  # no longer read as a player id
    assert len(validation.asked("validate_topup")) == 1
    assert "Open the menu with /start" in h.texts()[-1]  # the fallback's answer
    assert not h.session.of(SendInvoice) and await orders_of(h) == []


async def test_a_photo_instead_of_the_id_is_asked_again(
    h: Harness, validation: FakeSupplier
) -> None:
    await ask_for_player(h)
    await h.send("")
    assert "send the player ID as text" in h.texts()[-1]
    assert validation.asked("validate_topup") == []


async def test_a_buy_button_forged_for_a_top_up_gets_no_invoice(
    h: Harness, validation: FakeSupplier
) -> None:
    await h.press(Buy(sku=SKU, quantity=1).pack())
    assert not h.session.of(SendInvoice) and await orders_of(h) == []
    [answer] = h.session.of(AnswerCallbackQuery)
    assert answer.show_alert and "player ID" in (answer.text or "")


async def test_a_gift_card_has_no_top_up_step(h: Harness, validation: FakeSupplier) -> None:
    await h.press(TopupStart(sku="steam-us-20").pack())
    assert "out of date" in (h.session.of(AnswerCallbackQuery)[-1].text or "")
    assert not h.session.of(SendMessage)
    await h.send(PLAYER)
    assert validation.asked("validate_topup") == []


async def test_a_paid_top_up_is_acknowledged_as_one_and_fulfilled(
    h: Harness, validation: FakeSupplier
) -> None:
    await ask_for_player(h)
    await h.send(PLAYER)
    await h.press(TopupStep(action=TopupAction.CONFIRM).pack())
    [invoice] = h.session.of(SendInvoice)
    amount = invoice.prices[0].amount
    await h.pre_checkout(invoice.payload, amount)
    await h.pay(invoice.payload, amount, "charge-topup")
    assert h.fulfilment.scheduled == [invoice.payload]
    said = h.texts()[-1]
    assert "topping up the player&#x27;s account" in said and "codes" not in said
