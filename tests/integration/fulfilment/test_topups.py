"""Top-ups against the real sandbox supplier: synced with their kind, validated, ordered
with the player id, delivered as a confirmation (no code), or refunded like any order."""

from __future__ import annotations

import pytest

from bot.i18n import create_i18n
from bot.services.checkout import CheckoutRefused, RefusalReason
from bot.services.order_queries import OrderQueries
from bot.services.outbox_render import OutboxRenderer
from bot.services.topups import TopupProblem, TopupRefused, TopupService
from storage.models import Order, OrderStatus
from storage.repositories import CodeRepository, OutboxRepository
from supplier.client import SupplierClient
from tests.support.attempts import reference_of
from tests.support.shop import USER_ID, Shop

SKU = "pubgm-global-60"  # the sandbox's PUBG Mobile 60 UC pack: player ids are 5 + 9 digits
PLAYER = "5123456789"


async def paid_topup(shop: Shop, player_id: str, player_name: str = "Someone") -> Order:
    quote = await shop.checkout.quote(
        user_id=USER_ID,
        chat_id=USER_ID,
        sku=SKU,
        quantity=1,
        player_id=player_id,
        player_name=player_name,
    )
    return await shop.pay(quote.order)


async def rendered(shop: Shop, order_id: str) -> list[tuple[str, str]]:
    renderer = OutboxRenderer(
        shop.storage.db, OrderQueries(shop.storage.db, shop.storage.cipher), create_i18n("en")
    )
    async with shop.storage.db.read() as conn:
        messages = await OutboxRepository(conn).list_for_order(order_id)
    return [
        (message.kind, part.text) for message in messages for part in await renderer.render(message)
    ]


async def test_sync_brings_top_ups_with_their_kind(shop: Shop) -> None:
    product = await shop.catalog.find_product(SKU)
    assert product is not None and product.is_topup and product.max_quantity == 1
    card = (await shop.catalog.products("US", "Steam"))[0]
    assert not card.is_topup
    assert SKU in [p.sku for p in await shop.catalog.products("US", "PUBG Mobile")]


async def test_a_valid_top_up_is_credited_and_confirmed_without_a_code(
    shop: Shop, supplier: SupplierClient
) -> None:
    product = await shop.catalog.find_product(SKU)
    assert product is not None
    player = await TopupService(supplier).validate(product, PLAYER)
    order = await paid_topup(shop, player.player_id, player.display_name)
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.DELIVERED and done.fulfilled_quantity == 1
    issued = await supplier.find_order_by_reference(await reference_of(shop.storage.db, order.id))
    assert issued is not None and issued.player_id == PLAYER and issued.codes == []
    assert issued.topup is not None and issued.topup.display_name == player.display_name
    async with shop.storage.db.read() as conn:
        assert await CodeRepository(conn, shop.storage.cipher).count_codes(order.id) == 0
    [(kind, text)] = await rendered(shop, order.id)
    assert kind == "codes"  # the delivery message, whatever it delivers
    assert f"Credited to player <b>{player.display_name}</b>" in text and PLAYER in text
    assert shop.refunder.refunded == []


async def test_a_top_up_that_fails_at_the_supplier_is_refunded_once(shop: Shop) -> None:
    order = await paid_topup(shop, "sandbox-fail-later")
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.REFUNDED
    assert shop.refunder.refunded == [order.telegram_payment_charge_id]
    texts = [text for _, text in await rendered(shop, order.id)]
    assert not [t for t in texts if "Credited to player" in t]
    assert any("refund" in t.lower() for t in texts)


async def test_a_player_id_the_supplier_refuses_at_order_time_is_refunded(shop: Shop) -> None:
    """Validation is advice: an id refused only when ordered still ends in one refund."""
    order = await paid_topup(shop, "sandbox-invalid")
    done = await shop.settle(order.id)
    assert done.status is OrderStatus.REFUNDED
    assert done.failure_reason == "invalid_player_id"
    assert shop.refunder.refunded == [order.telegram_payment_charge_id]


@pytest.mark.parametrize(
    ("player_id", "problem"),
    [
        ("sandbox-invalid", TopupProblem.INVALID_PLAYER),
        ("12", TopupProblem.INVALID_PLAYER),  # not PUBG Mobile's format
        ("sandbox-region-mismatch", TopupProblem.REGION_MISMATCH),
        ("sandbox-slow", TopupProblem.SLOW),  # held past the deadline
    ],
)
async def test_the_sandbox_scenario_ids_are_refused_with_their_reason(
    shop: Shop,
    supplier: SupplierClient,
    player_id: str,
    problem: TopupProblem,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sandbox holds a slow validation 1 s here; the bot waits less.
    monkeypatch.setattr("bot.services.topups.VALIDATE_DEADLINE_SECONDS", 0.3)
    product = await shop.catalog.find_product(SKU)
    assert product is not None
    with pytest.raises(TopupRefused) as refused:
        await TopupService(supplier).validate(product, player_id)
    assert refused.value.problem is problem


async def test_a_top_up_cannot_be_quoted_without_a_player(shop: Shop) -> None:
    with pytest.raises(CheckoutRefused) as refused:
        await shop.checkout.quote(user_id=USER_ID, chat_id=USER_ID, sku=SKU, quantity=1)
    assert refused.value.reason is RefusalReason.PLAYER_ID
    with pytest.raises(CheckoutRefused) as refused:
        await shop.checkout.quote(
            user_id=USER_ID, chat_id=USER_ID, sku="test-instant", quantity=1, player_id=PLAYER
        )
    assert refused.value.reason is RefusalReason.PLAYER_ID
