"""Signatures made by the sandbox (standardwebhooks) against our verifier."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import aiohttp
import pytest

from sandbox.supplier.server import RunningSandbox
from supplier.client import SupplierClient
from supplier.models import WebhookDeliveries
from supplier.webhooks import InvalidSignature, WebhookVerifier
from tests.integration.supplier_client.receiver import Delivery, WebhookReceiver
from tests.support.supplier_client import API_KEY, WEBHOOK_SECRET

# Changes a delivery (body, headers) the way a forger or a broken proxy would.
Alter = Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]
OTHER_SECRET = "whsec_" + base64.b64encode(b"some-other-webhook-key!!").decode()


@pytest.fixture
async def delivery(client: SupplierClient, webhooks: WebhookReceiver) -> Delivery:
    await client.create_order("test-instant", 1, "sig-1")
    await webhooks.wait_for(lambda r: r.has("sig-1", "order.fulfilled"))
    return webhooks.deliveries[0]


def verifier_at(timestamp: int, *secrets: str) -> WebhookVerifier:
    return WebhookVerifier(secrets or (WEBHOOK_SECRET,), clock=lambda: float(timestamp))


def sent_at(delivery: Delivery) -> int:
    return int(delivery.headers["webhook-timestamp"])


async def test_sandbox_signatures_verify(delivery: Delivery, webhooks: WebhookReceiver) -> None:
    assert all(d.event is not None for d in webhooks.deliveries)
    event = verifier_at(sent_at(delivery)).verify(delivery.body, delivery.headers)
    assert event.data.reference == "sig-1"
    assert event.model_dump(mode="json") == json.loads(delivery.body)


async def test_rotated_secret_list_still_verifies(delivery: Delivery) -> None:
    rotating = verifier_at(sent_at(delivery), OTHER_SECRET, WEBHOOK_SECRET)
    assert rotating.verify(delivery.body, delivery.headers).data.reference == "sig-1"


@pytest.mark.parametrize(
    "alter",
    [
        pytest.param(lambda b, h: (b.replace(b"sig-1", b"sig-2"), h), id="body"),
        pytest.param(lambda b, h: (b + b" ", h), id="body-whitespace"),
        pytest.param(
            lambda b, h: (b, h | {"webhook-timestamp": str(int(h["webhook-timestamp"]) - 1)}),
            id="timestamp",
        ),
        pytest.param(lambda b, h: (b, h | {"webhook-id": h["webhook-id"] + "x"}), id="id"),
        pytest.param(lambda b, h: (b, h | {"webhook-signature": "v1,"}), id="signature"),
    ],
)
async def test_altered_deliveries_fail(delivery: Delivery, alter: Alter) -> None:
    body, headers = alter(delivery.body, delivery.headers)
    with pytest.raises(InvalidSignature):
        verifier_at(sent_at(delivery)).verify(body, headers)


async def test_wrong_secret_fails(delivery: Delivery) -> None:
    with pytest.raises(InvalidSignature):
        verifier_at(sent_at(delivery), OTHER_SECRET).verify(delivery.body, delivery.headers)


@pytest.mark.parametrize(("later", "accepted"), [(299, True), (300, True), (301, False)])
async def test_replay_outside_the_tolerance_fails(
    delivery: Delivery, later: int, accepted: bool
) -> None:
    replay = verifier_at(sent_at(delivery) + later)
    if accepted:
        assert replay.verify(delivery.body, delivery.headers).data.reference == "sig-1"
    else:
        with pytest.raises(InvalidSignature):
            replay.verify(delivery.body, delivery.headers)


async def test_sandbox_log_agrees_with_the_receiver(
    client: SupplierClient, webhooks: WebhookReceiver, sandbox: RunningSandbox
) -> None:
    await client.create_order("test-webhook-chaos", 1, "sig-chaos")
    await webhooks.wait_for(lambda r: sum(d.event is not None for d in r.deliveries) >= 4)

    async with aiohttp.ClientSession() as session:
        response = await session.get(
            f"{sandbox.url}/sandbox/webhook-deliveries",
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        log = WebhookDeliveries.model_validate_json(await response.read()).items

    assert len(log) == len(webhooks.deliveries)
    # The one the sandbox mis-signed on purpose is the one our verifier refused (400).
    assert [(d.signature_valid, d.status_code) for d in log] == [
        (d.event is not None, 204 if d.event is not None else 400) for d in webhooks.deliveries
    ]
