"""Failover between two real (in-process) sandbox suppliers: each order ends at exactly
one supplier, every attempt is stored, and every supplier's no is tried past."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from yarl import URL

from sandbox.supplier.config import SandboxConfig
from sandbox.supplier.server import start_sandbox
from storage.models import OrderStatus
from storage.repositories.supplier_attempts import SupplierAttempt
from tests.support.attempts import open_attempt
from tests.support.routing import KEYS, Network

SKU = "test-instant"


def summary(attempts: list[SupplierAttempt]) -> list[tuple[str, str, str, str | None]]:
    return [(a.supplier, a.reference, a.status, a.error) for a in attempts]


async def test_the_cheaper_supplier_wins(network: Network) -> None:
    quote = await network.shop.checkout.quote(user_id=4242, chat_id=4242, sku=SKU, quantity=1)
    beta = await network.router.member("beta").client.get_price(SKU)
    assert quote.order.wholesale_unit_price == beta.unit_price.amount, "quoted at the best offer"
    order = await network.shop.pay(quote.order)
    done = await network.shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED
    assert summary(await network.attempts(order.id)) == [("beta", f"{order.id}-1", "placed", None)]
    assert await network.order_at("alpha", f"{order.id}-1") is None


@pytest.mark.parametrize("price_factors", [{"alpha": 1.0, "beta": 1.0}])
async def test_out_of_stock_at_the_first_goes_to_the_second(network: Network) -> None:
    sku = "test-instant"
    await network.control("alpha", "/sandbox/stock", {"sku": sku, "available": 0})
    stock = await network.router.get_stock(sku)
    assert stock.status != "out_of_stock", "the union of both suppliers' stock"
    order = await network.shop.paid_order(sku)
    done = await network.shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED
    attempts = await network.attempts(order.id)
    assert [(a.supplier, a.status) for a in attempts] == [("beta", "placed")]
    assert await network.order_at("alpha", attempts[0].reference) is None


async def test_a_refusal_at_the_post_fails_over_with_a_new_reference(network: Network) -> None:
    order = await network.shop.paid_order(SKU)
    # beta is cheaper but has no money left: its POST says insufficient_balance.
    await network.control("beta", "/sandbox/balance", {"amount": {"amount": 0, "currency": "USD"}})
    done = await network.shop.fulfilment.fulfil(order.id)
    # alpha is 5 % dearer than the quote: over our 2 % ceiling, so it refuses too.
    assert done.status is OrderStatus.REFUNDED
    assert summary(await network.attempts(order.id)) == [
        ("beta", f"{order.id}-1", "refused", "insufficient_balance"),
        ("alpha", f"{order.id}-2", "refused", "price_changed"),
    ]
    assert network.shop.refunder.refunded == [order.telegram_payment_charge_id]
    assert done.failure_reason == "price_changed"


@pytest.mark.parametrize("price_factors", [{"alpha": 1.0, "beta": 1.01}])
async def test_insufficient_balance_at_the_first_is_filled_by_the_second(network: Network) -> None:
    order = await network.shop.paid_order(SKU)
    await network.control("alpha", "/sandbox/balance", {"amount": {"amount": 0, "currency": "USD"}})
    done = await network.shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED
    assert summary(await network.attempts(order.id)) == [
        ("alpha", f"{order.id}-1", "refused", "insufficient_balance"),
        ("beta", f"{order.id}-2", "placed", None),
    ]
    assert await network.order_at("alpha", f"{order.id}-1") is None
    assert await network.order_at("beta", f"{order.id}-2") is not None


@pytest.mark.parametrize("price_factors", [{"alpha": 1.0, "beta": 1.01}])
async def test_a_supplier_down_is_passed_over_and_its_breaker_opens_then_closes(
    network: Network,
) -> None:
    orders = [await network.shop.paid_order(SKU) for _ in range(4)]
    port = URL(network.sandboxes["alpha"].url).port
    await network.sandboxes["alpha"].close()
    for order in orders[:3]:
        assert (await network.shop.fulfilment.fulfil(order.id)).status is OrderStatus.DELIVERED
        # alpha is cheaper but gave no offer: beta first, alpha never POSTed to.
        assert [(a.supplier, a.status) for a in await network.attempts(order.id)] == [
            ("beta", "placed")
        ]
    alpha = network.router.member("alpha")
    assert alpha.breaker.is_open, "two failures in a row opened it"
    assert await _alerts(network) == ["supplier_skipped"], "admins told once"
    # alpha is back and the cool-down is over: the next order goes to alpha again.
    network.sandboxes["alpha"] = await start_sandbox(
        SandboxConfig(api_key=SecretStr(KEYS["alpha"]), seed=5, state_file=None), port=port or 0
    )
    alpha.breaker.open_until = datetime.now(UTC)
    assert (await network.shop.fulfilment.fulfil(orders[3].id)).status is OrderStatus.DELIVERED
    assert [a.supplier for a in await network.attempts(orders[3].id)] == ["alpha"]
    assert not alpha.breaker.is_open
    assert await _alerts(network) == ["supplier_back", "supplier_skipped"]


@pytest.mark.parametrize("price_factors", [{"alpha": 1.0, "beta": 1.01}])
async def test_an_open_attempt_at_a_supplier_now_down_moves_on(network: Network) -> None:
    """Crash after attempt 1 at alpha was stored, before its POST; alpha is down since.
    Its POST cannot connect (nothing reached alpha), so attempt 2 goes to beta."""
    order = await network.shop.paid_order(SKU)
    reference = await open_attempt(network.shop.storage.db, order.id, "alpha")
    async with network.shop.storage.db.transaction() as conn:
        await conn.execute("UPDATE orders SET status = 'ordering' WHERE id = ?", (order.id,))
    await network.sandboxes["alpha"].close()
    done = await network.shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED
    assert summary(await network.attempts(order.id)) == [
        ("alpha", reference, "unreachable", "SupplierConnectionError"),
        ("beta", f"{order.id}-2", "placed", None),
    ]


@pytest.mark.parametrize("price_factors", [{"alpha": 1.0, "beta": 1.01}])
async def test_an_order_the_first_took_despite_its_500_is_not_placed_again(
    network: Network,
) -> None:
    """test-500-committed: alpha takes the order and loses the reply. The lookup by
    reference finds it, so beta is never asked: one order, one supplier."""
    order = await network.shop.paid_order("test-500-committed")
    done = await network.shop.settle(order.id)
    assert done.status is OrderStatus.DELIVERED
    assert [(a.supplier, a.status) for a in await network.attempts(order.id)] == [
        ("alpha", "placed")
    ]
    assert await network.order_at("beta", f"{order.id}-1") is None
    assert await network.order_at("beta", f"{order.id}-2") is None


async def test_every_supplier_down_waits_instead_of_refunding(network: Network) -> None:
    order = await network.shop.paid_order(SKU)
    for sandbox in network.sandboxes.values():
        await sandbox.close()
    waiting = await network.shop.fulfilment.fulfil(order.id)
    assert waiting.status is OrderStatus.ORDERING, "unreachable is not a no: retried later"
    assert network.shop.refunder.calls == []
    assert {a.status for a in await network.attempts(order.id)} == {"unreachable"}


async def _alerts(network: Network) -> list[str]:
    async with network.shop.storage.db.read() as conn:
        cursor = await conn.execute("SELECT payload FROM outbox WHERE kind = 'alert'")
        rows = await cursor.fetchall()
    return sorted({json.loads(row[0])["alert"] for row in rows})
