"""The tests' in-memory supplier keeps the contract the bot relies on: an order's
reference is its idempotency key, a refused order leaves nothing behind, and a scripted
failure is raised (and counted) until the test lifts it.

A fake that drifted from the supplier would let the bot's tests pass against behaviour no
supplier has; these pin the parts of `SUPPLIER_API.md` the fake claims to follow.
"""

from __future__ import annotations

import pytest

from supplier.errors import (
    IdempotencyConflict,
    OrderNotFound,
    OutOfStock,
    PriceChanged,
    SkuNotFound,
    SupplierTimeout,
)
from supplier.models import Money
from supplier.port import SupplierPort
from tests.support.fake_supplier import Call, FakeSupplier, product


def test_the_fake_is_a_supplier_port_at_run_time_too() -> None:
    assert isinstance(FakeSupplier(), SupplierPort)


async def test_an_order_is_one_per_reference_and_its_codes_are_its_own() -> None:
    supplier = FakeSupplier(prices={"steam-20": 1900})
    first = await supplier.create_order("steam-20", 2, "GB1-1")
    again = await supplier.create_order("steam-20", 2, "GB1-1")
    other = await supplier.create_order("steam-20", 1, "GB2-1")
    assert again == first, "a repeated POST is the same order, not a second one"
    assert (first.status, first.fulfilled_quantity, first.total.amount) == ("completed", 2, 3800)
    codes = [c.code for o in (first, other) for c in o.codes]
    assert len(codes) == len(set(codes)) == 3
    assert await supplier.get_order(first.order_id) == first
    assert await supplier.find_order_by_reference("GB2-1") == other
    assert await supplier.find_order_by_reference("GB9-1") is None
    with pytest.raises(OrderNotFound):
        await supplier.get_order("ord_unknown")


async def test_the_same_reference_with_other_terms_is_a_conflict() -> None:
    supplier = FakeSupplier()
    placed = await supplier.create_order("steam-20", 1, "GB1-1")
    with pytest.raises(IdempotencyConflict):
        await supplier.create_order("steam-20", 2, "GB1-1")
    assert supplier.orders == {"GB1-1": placed}


@pytest.mark.parametrize(
    ("supplier", "error"),
    [
        (FakeSupplier(prices={"steam-20": 2100}), PriceChanged),
        (FakeSupplier(stock={"steam-20": ("out_of_stock", 0)}), OutOfStock),
        (FakeSupplier(skus={"psn-10"}), SkuNotFound),
    ],
)
async def test_a_refused_order_is_not_kept(supplier: FakeSupplier, error: type[Exception]) -> None:
    with pytest.raises(error):
        await supplier.create_order("steam-20", 1, "GB1-1", Money(amount=2000, currency="USD"))
    assert supplier.orders == {}
    assert await supplier.find_order_by_reference("GB1-1") is None


async def test_a_pending_order_has_no_codes_and_a_top_up_credits_the_player() -> None:
    supplier = FakeSupplier(order_status="pending")
    pending = await supplier.create_order("steam-20", 1, "GB1-1")
    assert (pending.codes, pending.fulfilled_quantity) == ([], 0)
    supplier.order_status = "completed"
    topup = await supplier.create_order("pubgm-60", 1, "GB2-1", player_id="5123456789")
    assert topup.codes == [], "a top-up credits an account: no code to hand out"
    assert topup.topup is not None and topup.topup.player_id == "5123456789"


async def test_a_scripted_failure_is_raised_until_lifted_and_every_call_is_counted() -> None:
    supplier = FakeSupplier(failing={"get_price": SupplierTimeout("slow")})
    with pytest.raises(SupplierTimeout):
        await supplier.get_price("steam-20", deadline=2.0)
    assert (await supplier.get_stock("steam-20")).status == "in_stock", "only price fails"
    del supplier.failing["get_price"]
    assert (await supplier.get_price("steam-20")).unit_price.amount == 2000
    supplier.down = True
    with pytest.raises(SupplierTimeout):
        await supplier.get_balance()
    assert supplier.calls == [
        Call("get_price", ("steam-20",), 2.0),
        Call("get_stock", ("steam-20",)),
        Call("get_price", ("steam-20",)),
        Call("get_balance"),
    ]


async def test_the_catalog_filters_as_the_api_does() -> None:
    supplier = FakeSupplier(
        catalog=[
            product("steam-us", region="US"),
            product("psn-de", brand="PlayStation", region="DE"),
            product("pubgm-60", brand="PUBG Mobile", region="GLOBAL", kind="topup"),
        ]
    )
    assert [p.sku async for p in supplier.iter_catalog()] == ["steam-us", "psn-de"]
    assert [p.sku async for p in supplier.iter_catalog(kind=None)] == [
        "steam-us",
        "psn-de",
        "pubgm-60",
    ]
    assert [p.sku async for p in supplier.iter_catalog(region="DE")] == ["psn-de"]
