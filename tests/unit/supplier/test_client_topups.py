"""SupplierClient's top-up calls against a scripted supplier: bodies, retries, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from supplier import errors
from supplier.client import SupplierClient
from tests.unit.supplier.scripted_http import ScriptedSupplier, error, order_json, reply

MakeClient = Callable[..., SupplierClient]
PLAYER = {"player_id": "5123456789", "display_name": "SwiftFalcon042", "region": "TR"}


async def test_validation_is_retried_with_the_same_body(
    fake: ScriptedSupplier, make_client: MakeClient, sleeps: list[float]
) -> None:
    fake.on(
        "POST",
        "/v1/topups/validate",
        error(503, "upstream_unavailable"),
        error(429, "rate_limited"),
        reply(200, PLAYER),
    )

    player = await make_client().validate_topup("pubgm-global-660", "5123456789")

    assert player.display_name == "SwiftFalcon042" and player.region == "TR"
    bodies = [json.loads(r.body) for r in fake.calls("POST", "/v1/topups/validate")]
    assert bodies == [{"sku": "pubgm-global-660", "player_id": "5123456789"}] * 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("code", "cls"),
    [("invalid_player_id", errors.InvalidPlayerId), ("region_mismatch", errors.RegionMismatch)],
)
async def test_a_refused_player_is_not_retried(
    fake: ScriptedSupplier, make_client: MakeClient, code: str, cls: type[Exception]
) -> None:
    fake.on("POST", "/v1/topups/validate", error(422, code))

    with pytest.raises(cls):
        await make_client().validate_topup("pubgm-global-660", "1")

    assert len(fake.requests) == 1


async def test_a_bad_player_id_is_refused_before_sending(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    with pytest.raises(ValueError, match="player_id"):
        await make_client().validate_topup("pubgm-global-660", "")
    assert fake.requests == []


async def test_a_top_up_order_sends_the_player_id_and_reads_the_credit(
    fake: ScriptedSupplier, make_client: MakeClient
) -> None:
    credit = {**PLAYER, "amount": {"amount": 999, "currency": "USD"}}
    del credit["region"]
    fake.on(
        "POST",
        "/v1/orders",
        reply(201, order_json("t1", codes=[], player_id=PLAYER["player_id"], topup=credit)),
    )

    order = await make_client().create_order("pubgm-global-660", 1, "t1", player_id="5123456789")

    assert order.codes == [] and order.topup is not None
    assert order.topup.display_name == "SwiftFalcon042"
    assert json.loads(fake.requests[0].body) == {
        "sku": "pubgm-global-660",
        "quantity": 1,
        "reference": "t1",
        "player_id": "5123456789",
    }
