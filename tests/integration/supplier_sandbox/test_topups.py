"""Top-ups: catalog entries, POST /v1/topups/validate, and orders that credit a player."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from sandbox.supplier.server import start_sandbox
from sandbox.supplier.topups import PLAYER_REGIONS
from supplier.models import Balance, Order, Player, WebhookEvent
from tests.support.supplier_sandbox import (
    AUTH,
    Client,
    Receiver,
    call,
    fast_config,
    place,
    service_of,
)

PACK = "pubgm-global-660"
PLAYER = "5123456789"


async def validate(client: Client, sku: str, player_id: str, *, expect: int = 200) -> Any:
    body = {"sku": sku, "player_id": player_id}
    return await call(client, "POST", "/v1/topups/validate", json=body, expect=expect)


async def available(client: Client) -> int:
    return Balance.model_validate(await call(client, "GET", "/v1/balance")).available.amount


async def test_the_catalog_marks_top_ups_and_filters_by_kind(client: Client) -> None:
    topups = (await call(client, "GET", "/v1/catalog?kind=topup&limit=100"))["items"]
    assert {"PUBG Mobile", "Free Fire", "Genshin Impact"} <= {p["brand"] for p in topups}
    assert all(p["kind"] == "topup" and p["max_quantity"] == 1 for p in topups)
    pack = next(p for p in topups if p["sku"] == PACK)
    assert pack["name"] == "PUBG Mobile 660 UC (GLOBAL)" and pack["face_value"]["amount"] == 999
    codes = (await call(client, "GET", "/v1/catalog?kind=code&limit=100"))["items"]
    assert codes and all(p["kind"] == "code" for p in codes)
    stock = await call(client, "GET", f"/v1/stock/{PACK}")
    assert stock["status"] == "in_stock" and stock["available"] is None
    body = await call(client, "GET", "/v1/catalog?kind=cards", expect=400)
    assert body["error"]["code"] == "invalid_request"


async def test_a_valid_player_is_named_the_same_way_every_time(client: Client) -> None:
    first = Player.model_validate(await validate(client, PACK, PLAYER))
    assert first.player_id == PLAYER and first.display_name
    assert first.region in PLAYER_REGIONS
    assert Player.model_validate(await validate(client, "pubgm-global-60", PLAYER)) == first
    other = Player.model_validate(await validate(client, PACK, "5000000001"))
    assert other.display_name != first.display_name


async def test_validation_refusals(client: Client) -> None:
    cases = [
        (PACK, "12345", 422, "invalid_player_id"),  # not the brand's format
        ("genshin-global-60", "512345678", 422, "invalid_player_id"),  # no such server digit
        (PACK, "sandbox-invalid", 422, "invalid_player_id"),
        (PACK, "sandbox-region-mismatch", 422, "region_mismatch"),
        ("steam-us-20", PLAYER, 400, "invalid_request"),  # a gift card, not a top-up
        ("nope-global-1", PLAYER, 404, "sku_not_found"),
    ]
    for sku, player_id, status, code in cases:
        body = await validate(client, sku, player_id, expect=status)
        assert body["error"]["code"] == code, (sku, player_id)
    for bad in ({"sku": PACK}, {"sku": PACK, "player_id": ""}, {"sku": PACK, "player_id": 5}):
        body = await call(client, "POST", "/v1/topups/validate", json=bad, expect=400)
        assert body["error"]["code"] == "invalid_request", bad


async def test_the_slow_player_id_holds_the_answer(client: Client) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    player = await validate(client, PACK, "sandbox-slow")
    assert loop.time() - started >= 0.3  # fast_config's slow_delay_seconds
    assert player["player_id"] == "sandbox-slow"


async def test_a_top_up_order_credits_the_player_and_has_no_codes(client: Client) -> None:
    player = await validate(client, PACK, PLAYER)
    start = await available(client)
    order = Order.model_validate(await place(client, PACK, "t1", player_id=PLAYER))
    assert order.status == "completed" and order.codes == [] and order.fulfilled_quantity == 1
    assert order.player_id == PLAYER
    assert order.topup is not None
    assert order.topup.player_id == PLAYER
    assert order.topup.display_name == player["display_name"]
    assert (order.topup.amount.amount, order.topup.amount.currency) == (999, "USD")
    assert 0 < order.total.amount < 999  # wholesale, below face value
    assert await available(client) == start - order.total.amount
    again = await place(client, PACK, "t1", player_id=PLAYER, expect=200)
    assert Order.model_validate(again) == order
    other = await place(client, PACK, "t1", player_id="5000000001", expect=409)
    assert other["error"]["code"] == "idempotency_conflict"
    assert await available(client) == start - order.total.amount


async def test_refused_top_up_orders_leave_nothing_behind(client: Client) -> None:
    start = await available(client)
    cases = [
        (PACK, {}, 1, 400, "invalid_request"),  # a top-up without a player
        ("steam-us-20", {"player_id": PLAYER}, 1, 400, "invalid_request"),
        (PACK, {"player_id": "sandbox-invalid"}, 1, 422, "invalid_player_id"),
        (PACK, {"player_id": "42"}, 1, 422, "invalid_player_id"),
        (PACK, {"player_id": "sandbox-region-mismatch"}, 1, 422, "region_mismatch"),
        (PACK, {"player_id": PLAYER}, 2, 422, "quantity_limit"),
    ]
    for n, (sku, extra, quantity, status, code) in enumerate(cases):
        body = await place(client, sku, f"r{n}", quantity, expect=status, **extra)
        assert body["error"]["code"] == code, (sku, extra)
    assert service_of(client).state.orders == {}
    assert await available(client) == start
    # A refused request does not use up its reference.
    await place(client, PACK, "r0", player_id=PLAYER)


async def test_a_top_up_that_fails_later_is_refunded(hooked: Client, receiver: Receiver) -> None:
    start = await available(hooked)
    pending = Order.model_validate(
        await place(hooked, PACK, "late", player_id="sandbox-fail-later")
    )
    assert pending.status == "pending" and pending.topup is None
    created, failed = await receiver.wait_for_count(2)
    assert WebhookEvent.model_validate_json(created.body).type == "order.created"
    assert WebhookEvent.model_validate_json(failed.body).type == "order.failed"
    order = Order.model_validate(await call(hooked, "GET", "/v1/orders?reference=late"))
    assert order.status == "failed" and order.topup is None and order.codes == []
    assert await available(hooked) == start


async def test_a_pending_top_up_settles_after_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    state_file = tmp_path / "s.json"
    config = fast_config(state_file=state_file, pending_delay_seconds=60)
    async with aiohttp.ClientSession(headers=AUTH) as session:
        sandbox = await start_sandbox(config)
        body = {"sku": PACK, "quantity": 1, "reference": "x", "player_id": "sandbox-fail-later"}
        async with session.post(f"{sandbox.url}/v1/orders", json=body) as resp:
            assert resp.status == 201
        await sandbox.close()
        again = await start_sandbox(fast_config(state_file=state_file, webhook_url=receiver.url))
        try:
            (event,) = await receiver.wait_for_count(1)
            assert WebhookEvent.model_validate_json(event.body).type == "order.failed"
            async with session.get(f"{again.url}/v1/orders?reference=x") as resp:
                order = await resp.json()
            assert order["status"] == "failed" and order["player_id"] == "sandbox-fail-later"
        finally:
            await again.close()
