"""A supplier that took an order after its lookup said "not found": the order has gone on
to the next supplier, so the card is bought twice. Its news is never applied to the
order, but it is detected, recorded on the attempt and alerted to the admins once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from bot.rendering.alerts import render_alert
from storage.models import OrderStatus
from supplier.errors import SupplierTimeout
from supplier.models import Order as SupplierOrder
from supplier.port import SupplierPort
from tests.support.routing import Network
from tests.support.shop import ADMIN_ID

SKU = "test-instant"


@dataclass
class LaggingSupplier:
    """The POST lands but its answer is lost (a timeout), and the lookup right after does
    not see the order yet: the ambiguous case placement can only settle as "not found"."""

    real: SupplierPort

    async def create_order(self, *args: Any, **kwargs: Any) -> SupplierOrder:
        await self.real.create_order(*args, **kwargs)
        raise SupplierTimeout("answer lost after the order was taken")

    async def find_order_by_reference(self, reference: str) -> SupplierOrder | None:
        return None  # not indexed yet

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


async def late_alerts(network: Network) -> list[dict[str, Any]]:
    async with network.shop.storage.db.read() as conn:
        cursor = await conn.execute(
            "SELECT chat_id, payload FROM outbox WHERE kind = 'alert' ORDER BY id"
        )
        rows = [(row[0], json.loads(row[1])) for row in await cursor.fetchall()]
    return [p for chat, p in rows if chat == ADMIN_ID and p["alert"] == "late_fulfilment"]


@pytest.mark.parametrize("price_factors", [{"alpha": 1.0, "beta": 1.01}])
async def test_a_late_fulfilment_by_the_first_supplier_is_alerted_not_applied(
    network: Network,
) -> None:
    alpha = network.router.member("alpha")
    real = alpha.client
    alpha.client = LaggingSupplier(real)
    order = await network.shop.paid_order(SKU)
    done = await network.shop.fulfilment.fulfil(order.id)
    alpha.client = real
    attempts = await network.attempts(order.id)
    assert [(a.supplier, a.status) for a in attempts] == [
        ("alpha", "unreachable"),
        ("beta", "placed"),
    ]
    assert done.status is OrderStatus.DELIVERED
    late = await network.order_at("alpha", attempts[0].reference)
    assert late is not None and late.status == "completed", "alpha took it after all"
    assert await late_alerts(network) == []

    # alpha's webhook for its order (verified as alpha's by the route).
    fulfilment = network.shop.fulfilment
    for _ in range(2):  # a redelivery alerts no more
        assert (
            await fulfilment.on_supplier_update(
                attempts[0].reference, late.order_id, late.version, supplier="alpha"
            )
            is None
        )
    after = await network.shop.order(order.id)
    assert (after.status, after.version, after.supplier_order_id) == (
        OrderStatus.DELIVERED,
        done.version,
        done.supplier_order_id,
    ), "the order is untouched: the customer has beta's codes"
    first = (await network.attempts(order.id))[0]
    assert (first.status, first.error, first.supplier_order_id) == (
        "placed",
        "late",
        late.order_id,
    )
    alerts = await late_alerts(network)
    assert alerts == [
        {
            "alert": "late_fulfilment",
            "subject": order.id,
            "supplier": "alpha",
            "reference": attempts[0].reference,
            "supplier_order_id": late.order_id,
            "status": "completed",
        }
    ]
    text = render_alert(alerts[0], locale="en").text
    assert f"Order <code>{order.id}</code> was bought twice: supplier alpha" in text


@pytest.mark.parametrize("price_factors", [{"alpha": 1.0, "beta": 1.01}])
async def test_news_of_a_superseded_attempt_the_supplier_does_not_hold_alerts_nothing(
    network: Network,
) -> None:
    # alpha refuses (no balance), beta delivers; alpha's own order for another of our
    # orders is named in a forged-looking event for the refused attempt: not ours.
    await network.control("alpha", "/sandbox/balance", {"amount": {"amount": 0, "currency": "USD"}})
    order = await network.shop.paid_order(SKU)
    done = await network.shop.fulfilment.fulfil(order.id)
    assert done.status is OrderStatus.DELIVERED
    refused = (await network.attempts(order.id))[0]
    assert (refused.supplier, refused.status) == ("alpha", "refused")
    await network.control(
        "alpha", "/sandbox/balance", {"amount": {"amount": 100_000, "currency": "USD"}}
    )
    other = await network.router.member("alpha").client.create_order(SKU, 1, "elsewhere-1")
    result = await network.shop.fulfilment.on_supplier_update(
        refused.reference, other.order_id, other.version, supplier="alpha"
    )
    assert result is None
    assert await late_alerts(network) == []
    assert (await network.attempts(order.id))[0].status == "refused"
