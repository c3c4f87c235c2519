"""Outgoing webhooks: Standard Webhooks signatures, chaos delivery and the retry schedule."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from sandbox.supplier.webhooks import RETRY_SCHEDULE
from supplier.models import WebhookDelivery, WebhookEvent
from tests.support.supplier_sandbox import (
    SECRET,
    WAIT,
    Client,
    MakeClient,
    Received,
    Receiver,
    call,
    place,
    service_of,
)


def verify(received: Received) -> WebhookEvent:
    payload = Webhook(SECRET).verify(received.body, received.headers, json_parse=False)
    assert payload is None
    return WebhookEvent.model_validate_json(received.body)


async def test_events_are_signed_thin_and_verifiable(hooked: Client, receiver: Receiver) -> None:
    order = await place(hooked, "test-instant", "w1")
    got = await receiver.wait_for_count(2)
    verified = [verify(r) for r in got]
    assert [e.type for e in verified] == ["order.created", "order.fulfilled"]
    for event in verified:
        assert event.data.order_id == order["order_id"] and event.data.reference == "w1"
    assert b"code" not in got[1].body.replace(b"order_id", b"")  # codes are never pushed
    assert len({r.headers["webhook-id"] for r in got}) == 2
    assert abs(int(got[0].headers["webhook-timestamp"]) - time.time()) < 60
    assert got[0].headers["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(got[0].body, got[0].headers)


async def test_chaos_delivers_twice_out_of_order_after_a_bad_signature(
    hooked: Client, receiver: Receiver
) -> None:
    receiver.statuses = [401]  # a receiver rejects the forged first attempt
    await place(hooked, "test-webhook-chaos", "chaos")
    got = await receiver.wait_for_count(5)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(got[0].body, got[0].headers)
    good = [verify(r) for r in got[1:]]
    assert [e.data.version for e in good] == [2, 1, 1, 2]  # newest first, then again
    ids = [r.headers["webhook-id"] for r in got]
    assert ids[0] == ids[1] == ids[4] and ids[2] == ids[3] and ids[0] != ids[2]
    deliveries = await call(hooked, "GET", "/sandbox/webhook-deliveries")
    assert [d["signature_valid"] for d in deliveries["items"]] == [False, True, True, True, True]
    assert deliveries["items"][0]["status_code"] == 401


async def test_chaos_pending_holds_its_events_until_it_completes_then_scrambles_them(
    hooked: Client, receiver: Receiver
) -> None:
    receiver.statuses = [401]  # a receiver rejects the forged first attempt
    order = await place(hooked, "test-webhook-chaos-pending", "chaos-pending")
    assert order["status"] == "pending" and order["version"] == 1
    got = await receiver.wait_for_count(5)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(got[0].body, got[0].headers)
    assert WebhookEvent.model_validate_json(got[0].body).data.version == 2  # the newest, forged
    good = [verify(r) for r in got[1:]]
    assert [(e.type, e.data.version) for e in good] == [
        ("order.fulfilled", 2),
        ("order.created", 1),
        ("order.created", 1),
        ("order.fulfilled", 2),
    ]
    assert good[1].data.status == "pending" and good[0].data.status == "completed"
    ids = [r.headers["webhook-id"] for r in got]
    assert ids[0] == ids[1] == ids[4] and ids[2] == ids[3] and ids[0] != ids[2]
    settled = await call(hooked, "GET", f"/v1/orders/{order['order_id']}")
    assert (settled["status"], settled["version"]) == ("completed", 2)


async def test_failed_attempts_are_retried_until_2xx(hooked: Client, receiver: Receiver) -> None:
    receiver.statuses = [500, 503, 500]
    await place(hooked, "test-instant", "retry")
    service = service_of(hooked)

    def both_delivered(items: list[WebhookDelivery]) -> bool:
        return sum(1 for d in items if d.status_code == 204) == 2

    async with asyncio.timeout(WAIT):
        await service.webhooks.wait_for(both_delivered)
    per_event: dict[str, list[WebhookDelivery]] = defaultdict(list)
    for d in service.webhooks.deliveries:
        per_event[d.event_id].append(d)
    assert sum(len(v) for v in per_event.values()) == 5
    for attempts in per_event.values():
        assert [a.attempt for a in attempts] == list(range(1, len(attempts) + 1))
        assert attempts[-1].status_code == 204
        assert all(a.status_code in (500, 503) for a in attempts[:-1])


async def test_a_silent_receiver_times_out_and_is_retried(
    make_client: MakeClient, receiver: Receiver
) -> None:
    client = await make_client(webhook_url=receiver.url, webhook_timeout_seconds=0.05)
    receiver.statuses = [0]
    await place(client, "test-instant", "hang")
    service = service_of(client)
    async with asyncio.timeout(WAIT):
        await service.webhooks.wait_for(lambda items: sum(d.status_code == 204 for d in items) == 2)
    timed_out = [d for d in service.webhooks.deliveries if d.status_code is None]
    assert len(timed_out) == 1 and timed_out[0].error and "Timeout" in timed_out[0].error
    retried = [d for d in service.webhooks.deliveries if d.event_id == timed_out[0].event_id]
    assert [(d.attempt, d.status_code) for d in retried] == [(1, None), (2, 204)]


async def test_gives_up_after_the_schedule_time_scaled(hooked: Client, receiver: Receiver) -> None:
    receiver.statuses = [500] * 100
    service = service_of(hooked)
    await place(hooked, "test-pending", "giveup")  # one event now, the second after the delay
    async with asyncio.timeout(WAIT):
        await service.webhooks.wait_for(lambda items: len(items) >= 2 * (len(RETRY_SCHEDULE) + 1))
    first = [d for d in service.webhooks.deliveries if d.type == "order.created"]
    assert [d.attempt for d in first] == list(range(1, len(RETRY_SCHEDULE) + 2))
    scale = service.config.webhook_time_scale
    for before, after, delay in zip(first[:-1], first[1:], RETRY_SCHEDULE, strict=True):
        gap = (after.occurred_at - before.occurred_at).total_seconds()
        assert gap >= 0.9 * delay / scale - 0.002  # jitter is +-10 %; clock resolution


async def test_deliveries_endpoint_lists_every_attempt(hooked: Client, receiver: Receiver) -> None:
    await place(hooked, "test-instant", "list")
    await receiver.wait_for_count(2)
    body = await call(hooked, "GET", "/sandbox/webhook-deliveries")
    items = [WebhookDelivery.model_validate(d) for d in body["items"]]
    assert {d.type for d in items} == {"order.created", "order.fulfilled"}
    assert all(d.url == receiver.url and d.status_code == 204 for d in items)


async def test_no_webhook_url_means_no_deliveries(client: Client) -> None:
    await place(client, "test-instant", "quiet")
    assert (await call(client, "GET", "/sandbox/webhook-deliveries"))["items"] == []
