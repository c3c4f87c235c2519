"""The client's top-ups against the real sandbox: validation, typed refusals, the credit."""

from __future__ import annotations

import pytest

from sandbox.supplier.server import RunningSandbox
from supplier import errors
from supplier.client import SupplierClient
from supplier.retry import RetryPolicy
from tests.support.supplier_client import API_KEY

PACK = "freefire-global-520"
PLAYER = "123456789"


async def test_top_ups_are_listed_only_on_request(client: SupplierClient) -> None:
    packs = [p async for p in client.iter_catalog(kind="topup")]
    assert {p.brand for p in packs} == {"PUBG Mobile", "Free Fire", "Genshin Impact"}
    assert all(p.kind == "topup" for p in packs)
    cards = {p.sku async for p in client.iter_catalog()}
    assert cards and cards.isdisjoint(p.sku for p in packs)
    everything = {p.sku async for p in client.iter_catalog(kind=None)}
    assert everything == cards | {p.sku for p in packs}


async def test_validate_then_order_credits_the_named_player(client: SupplierClient) -> None:
    player = await client.validate_topup(PACK, PLAYER)
    assert player.player_id == PLAYER and player.display_name
    before = (await client.get_balance()).available.amount

    order = await client.create_order(PACK, 1, "topup-1", player_id=PLAYER)

    assert order.status == "completed" and order.codes == []
    assert order.topup is not None and order.topup.display_name == player.display_name
    assert order.topup.amount.amount == 499
    assert (await client.get_balance()).available.amount == before - order.total.amount
    assert await client.find_order_by_reference("topup-1") == order


@pytest.mark.parametrize(
    ("player_id", "error"),
    [
        ("sandbox-invalid", errors.InvalidPlayerId),
        ("not-a-number", errors.InvalidPlayerId),
        ("sandbox-region-mismatch", errors.RegionMismatch),
    ],
)
async def test_refused_players_raise_typed_errors_and_order_nothing(
    client: SupplierClient, player_id: str, error: type[errors.SupplierStatusError]
) -> None:
    with pytest.raises(error) as raised:
        await client.validate_topup(PACK, player_id)
    assert isinstance(raised.value, errors.Unprocessable) and not raised.value.retryable
    with pytest.raises(error):
        await client.create_order(PACK, 1, f"bad-{player_id}", player_id=player_id)
    assert await client.find_order_by_reference(f"bad-{player_id}") is None


async def test_a_player_id_must_match_the_kind_of_product(client: SupplierClient) -> None:
    with pytest.raises(errors.InvalidRequest):
        await client.create_order(PACK, 1, "no-player")
    with pytest.raises(errors.InvalidRequest):
        await client.create_order("steam-us-20", 1, "card-player", player_id=PLAYER)
    with pytest.raises(errors.InvalidRequest):
        await client.validate_topup("steam-us-20", PLAYER)


async def test_slow_validation_is_bounded_by_the_deadline(sandbox: RunningSandbox) -> None:
    # slow_delay_seconds is 0.6 in the fixture: one attempt of 0.2 s cannot finish.
    retry = RetryPolicy(max_retries=0)
    async with SupplierClient(sandbox.url, API_KEY, timeout=5.0, retry=retry) as supplier:
        with pytest.raises(errors.SupplierTimeout):
            await supplier.validate_topup(PACK, "sandbox-slow", deadline=0.2)
        player = await supplier.validate_topup(PACK, "sandbox-slow", deadline=3.0)
    assert player.player_id == "sandbox-slow"
